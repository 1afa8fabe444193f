# Profile-likelihood intervals of generalized linear mixed models, lme4's
# confint(fit, method = "profile") on glmer fits (bobyqa, tolPwrss = 1e-12 as in
# make-reference-glmm.R). lme4 interpolates each profile by a spline through a grid of
# zeta; to keep that interpolation's error small the grid is made finer than the default
# (delta = cutoff / 32 instead of / 8). Writes Tests/LCCoreTests/Reference/glmm_profile.json.
# Run from the repo root after scripts/make-reference-glmm.R (it reads the CSVs written there):
#   Rscript scripts/make-reference-glmm-profile.R
suppressMessages({ library(lme4); library(jsonlite) })
ref <- "Tests/LCCoreTests/Reference"
cbpp <- read.csv(file.path(ref, "cbpp.csv"), stringsAsFactors = TRUE)
cbpp$period <- factor(cbpp$period); cbpp$herd <- factor(cbpp$herd)
grouse <- read.csv(file.path(ref, "grouseticks.csv"), stringsAsFactors = TRUE)
grouse$YEAR <- factor(grouse$YEAR); grouse$BROOD <- factor(grouse$BROOD); grouse$LOCATION <- factor(grouse$LOCATION)
grouse$HEIGHT_c <- (grouse$HEIGHT - mean(grouse$HEIGHT)) / sd(grouse$HEIGHT)
control <- glmerControl(optimizer = "bobyqa", tolPwrss = 1e-12)
models <- list(
  cbpp = list(data = cbpp, call = cbind(incidence, size - incidence) ~ period + (1 | herd), family = binomial(),
              formula = "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)"),
  grouseticks = list(data = grouse, call = TICKS ~ YEAR + HEIGHT_c + (1 | BROOD) + (1 | LOCATION), family = poisson(),
                     formula = "TICKS ~ factor(YEAR) + scale(HEIGHT) + (1 | BROOD) + (1 | LOCATION)")
)
out <- list(meta = list(software = paste("R", getRversion(), "lme4", packageVersion("lme4")),
                        note = "confint(fit, method = 'profile', level = 0.95) of glmer(bobyqa, tolPwrss = 1e-12); profile grid delta = cutoff/32"))
for (name in names(models)) {
  m <- models[[name]]
  fit <- glmer(m$call, data = m$data, family = m$family, control = control)
  pr <- profile(fit, signames = FALSE, delta = qnorm(0.975) / 32)
  ci <- confint(pr, level = 0.95)
  out[[name]] <- list(formula = m$formula, family = m$family$family, logLik = as.numeric(logLik(fit)),
                      parameter = rownames(ci), low = unname(ci[, 1]), high = unname(ci[, 2]))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), file.path(ref, "glmm_profile.json"))
