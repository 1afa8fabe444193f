# References for crossed and partially crossed designs with any number of grouping
# factors, fitted by lme4 + lmerTest. Writes the data sets it needs (Penicillin, Pastes)
# and Tests/LCCoreTests/Reference/crossed.json. Run from the repo root:
#   Rscript scripts/make-reference-crossed.R
suppressMessages({ library(lme4); library(lmerTest); library(jsonlite) })
ref <- "Tests/LCCoreTests/Reference"
write.csv(lme4::Penicillin, file.path(ref, "Penicillin.csv"), row.names = FALSE)
write.csv(lme4::Pastes, file.path(ref, "Pastes.csv"), row.names = FALSE)
data <- list(Machines = read.csv(file.path(ref, "Machines.csv")), Penicillin = read.csv(file.path(ref, "Penicillin.csv")),
             Pastes = read.csv(file.path(ref, "Pastes.csv")), univbct = read.csv(file.path(ref, "univbct.csv")))
models <- list(
  machines_three = list("Machines", score ~ 1 + (1 | Worker) + (1 | Machine) + (1 | Worker:Machine)),
  penicillin = list("Penicillin", diameter ~ 1 + (1 | plate) + (1 | sample)),
  pastes = list("Pastes", strength ~ 1 + (1 | sample) + (1 | batch)),
  univbct_three = list("univbct", JSAT ~ TIME + (1 | SUBNUM) + (1 | BTN) + (1 | COMPANY)),
  univbct_three_slopes = list("univbct", JSAT ~ TIME + (1 + TIME | SUBNUM) + (1 | BTN) + (1 | COMPANY))
)
out <- list(meta = list(software = paste("R", getRversion(), "lme4", packageVersion("lme4"), "lmerTest", packageVersion("lmerTest")),
                        note = "lmerTest::lmer fits; Satterthwaite df from summary(); criterion is REMLcrit or deviance"))
for (name in names(models)) {
  for (reml in c(TRUE, FALSE)) {
    fit <- lmerTest::lmer(models[[name]][[2]], data = data[[models[[name]][[1]]]], REML = reml)
    co <- summary(fit)$coefficients
    vc <- as.data.frame(VarCorr(fit))
    out[[name]][[if (reml) "REML" else "ML"]] <- list(
      data = models[[name]][[1]], call = paste(deparse(models[[name]][[2]]), collapse = ""),
      logLik = as.numeric(logLik(fit)), sigma = sigma(fit), theta = unname(getME(fit, "theta")),
      fixed = list(term = rownames(co), estimate = unname(co[, "Estimate"]), se = unname(co[, "Std. Error"]),
                   df = unname(co[, "df"])),
      random = list(grp = vc$grp, var1 = vc$var1, var2 = vc$var2, sd = vc$sdcor),
      singular = isSingular(fit), nobs = nobs(fit))
  }
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), file.path(ref, "crossed.json"))
