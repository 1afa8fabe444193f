# References for negative binomial (NB2) generalized linear mixed models, fitted by glmmTMB
# (family = nbinom2: Var(y) = mu + mu^2/k, log link, the Laplace approximation with the exact
# Hessian) on glmmTMB's Salamanders and lme4's grouseticks (HEIGHT standardised), with
# performance's Nakagawa R2 and ICC. Writes Salamanders.csv and Tests/LCCoreTests/Reference/nbinom2.json.
# Run from the repo root after scripts/make-reference-glmm.R (it reads grouseticks.csv):
#   Rscript scripts/make-reference-nbinom2.R
suppressMessages({ library(glmmTMB); library(jsonlite); library(performance) })
ref <- "Tests/LCCoreTests/Reference"
data(Salamanders, package = "glmmTMB")
write.csv(Salamanders[, c("site", "mined", "spp", "count", "Wtemp", "DOY")], file.path(ref, "Salamanders.csv"), row.names = FALSE)
# read back as lcstat reads it: text columns as factors with sorted levels
sal <- read.csv(file.path(ref, "Salamanders.csv"), stringsAsFactors = TRUE)
grouse <- read.csv(file.path(ref, "grouseticks.csv"), stringsAsFactors = TRUE)
grouse$YEAR <- factor(grouse$YEAR); grouse$BROOD <- factor(grouse$BROOD); grouse$LOCATION <- factor(grouse$LOCATION)
grouse$HEIGHT_c <- (grouse$HEIGHT - mean(grouse$HEIGHT)) / sd(grouse$HEIGHT)
models <- list(
  salamanders = list(data = "Salamanders", frame = sal, call = count ~ spp + mined + (1 | site),
                     formula = "count ~ spp + mined + (1 | site)"),
  salamanders_crossed = list(data = "Salamanders", frame = sal, call = count ~ mined + Wtemp + (1 | site) + (1 | spp),
                           formula = "count ~ mined + Wtemp + (1 | site) + (1 | spp)"),
  grouseticks = list(data = "grouseticks", frame = grouse, call = TICKS ~ YEAR + HEIGHT_c + (1 | BROOD) + (1 | LOCATION),
                     formula = "TICKS ~ factor(YEAR) + scale(HEIGHT) + (1 | BROOD) + (1 | LOCATION)")
)
out <- list(meta = list(software = paste("R", getRversion(), "glmmTMB", packageVersion("glmmTMB"), "performance", packageVersion("performance")),
                        note = "glmmTMB(family = nbinom2); dispersion = sigma(fit) = k, Var = mu + mu^2/k; SEs from vcov()"))
for (name in names(models)) {
  m <- models[[name]]
  fit <- glmmTMB(m$call, data = m$frame, family = nbinom2)
  co <- summary(fit)$coefficients$cond
  vc <- VarCorr(fit)$cond
  r2 <- suppressWarnings(tryCatch(performance::r2_nakagawa(fit, tolerance = 0), error = function(e) NULL))
  icc <- suppressWarnings(tryCatch(performance::icc(fit, tolerance = 0), error = function(e) NULL))
  out[[name]] <- list(
    data = m$data, formula = m$formula, logLik = as.numeric(logLik(fit)), aic = AIC(fit),
    dispersion = sigma(fit), log_dispersion = unname(fit$fit$par["betad"]),
    log_dispersion_se = unname(sqrt(vcov(fit, full = TRUE)["d~(Intercept)", "d~(Intercept)"])),
    fixed = list(term = rownames(co), estimate = unname(co[, "Estimate"]), se = unname(co[, "Std. Error"]),
                 z = unname(co[, "z value"]), p = unname(co[, "Pr(>|z|)"])),
    random = list(grp = names(vc), sd = unname(sapply(vc, function(v) attr(v, "stddev")))),
    fitted_head = unname(head(fitted(fit), 10)),
    r2_marginal = if (is.null(r2)) NULL else unname(r2$R2_marginal),
    r2_conditional = if (is.null(r2)) NULL else unname(r2$R2_conditional),
    icc_adjusted = if (is.null(icc)) NULL else unname(icc$ICC_adjusted))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), file.path(ref, "nbinom2.json"))
