# Reference for models with several random-effects terms on one grouping factor
# (uncorrelated random intercept and slope), fitted by lme4 + lmerTest on univbct.
# Writes Tests/LCCoreTests/Reference/univbct_uncorrelated.json. Run from the repo root:
#   Rscript scripts/make-reference-uncorrelated.R
suppressMessages({ library(lme4); library(lmerTest); library(jsonlite) })
d <- read.csv("Tests/LCCoreTests/Reference/univbct.csv")
d$CO <- paste(d$BTN, d$COMPANY, sep = "_")
models <- list(
  uncorrelated_slope = JSAT ~ TIME + (1 | SUBNUM) + (0 + TIME | SUBNUM),
  uncorrelated_slope_company = JSAT ~ TIME + (1 | SUBNUM) + (0 + TIME | SUBNUM) + (1 | CO)
)
out <- list(meta = list(software = paste("R", getRversion(), "lme4", packageVersion("lme4"), "lmerTest", packageVersion("lmerTest")),
                        note = "lmerTest::lmer fits; Satterthwaite df from summary(); theta is getME(fit, 'theta')"))
for (name in names(models)) {
  for (reml in c(TRUE, FALSE)) {
    fit <- lmerTest::lmer(models[[name]], data = d, REML = reml)
    co <- summary(fit)$coefficients
    vc <- as.data.frame(VarCorr(fit))
    out[[name]][[if (reml) "REML" else "ML"]] <- list(
      call = paste(deparse(models[[name]]), collapse = ""),
      logLik = as.numeric(logLik(fit)), sigma = sigma(fit), theta = unname(getME(fit, "theta")),
      theta_names = names(getME(fit, "theta")),
      fixed = list(term = rownames(co), estimate = unname(co[, "Estimate"]), se = unname(co[, "Std. Error"]),
                   df = unname(co[, "df"])),
      random = list(grp = vc$grp, var1 = vc$var1, sd = vc$sdcor),
      singular = isSingular(fit), nobs = nobs(fit))
  }
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           "Tests/LCCoreTests/Reference/univbct_uncorrelated.json")
