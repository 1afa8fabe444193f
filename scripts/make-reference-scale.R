# References for location-scale models with a fixed scale formula (log sigma = w'eta),
# fitted by glmmTMB's gaussian dispformula (on log sigma^2: its coefficients are 2 eta).
# Writes W4 small with its community diversity (the SD of lgo over the community's
# persons, centred at its mean over communities; as ../shared/bench/peers.R) and
# Tests/LCCoreTests/Reference/scale.json. Run from the repo root with W4 small at $W4:
#   python3 ../shared/bench/gen.py /tmp/w4s --workloads w4 --sizes small
#   W4=/tmp/w4s/w4_small.csv Rscript scripts/make-reference-scale.R
suppressMessages({ library(glmmTMB); library(jsonlite) })
ref <- "Tests/LCCoreTests/Reference"
w4 <- read.csv(Sys.getenv("W4", "/tmp/w4s/w4_small.csv"))
first <- !duplicated(w4$person)
div <- tapply(w4$lgo[first], w4$community[first], stats::sd)
w4$diversity <- unname(div[as.character(w4$community)]) - mean(div)
w4$support_w <- w4$support - ave(w4$support, w4$person)
w4$support_b <- ave(w4$support, w4$person)
w4 <- w4[, c("community", "organisation", "person", "session", "lgo", "support", "support_w", "support_b", "diversity", "sharing")]
write.csv(w4, file.path(ref, "w4_small_scale.csv"), row.names = FALSE)
univbct <- read.csv(file.path(ref, "univbct.csv"))
data <- list(univbct = univbct, w4_small_scale = read.csv(file.path(ref, "w4_small_scale.csv")))
# name = (data, formula, dispformula, lcstat formula, lcstat scale)
models <- list(
  univbct_time = list("univbct", JSAT ~ TIME + (1 + TIME | SUBNUM), ~ TIME,
                      "JSAT ~ TIME + (1 + TIME | SUBNUM)", "~ TIME"),
  univbct_time_factor = list("univbct", JSAT ~ TIME + (1 | SUBNUM), ~ factor(TIME),
                      "JSAT ~ TIME + (1 | SUBNUM)", "~ factor(TIME)"),
  w4_small = list("w4_small_scale", sharing ~ session + support_w + support_b + lgo + (1 + session | person) + (1 | community),
                  ~ session * diversity,
                  "sharing ~ session + support_w + support_b + lgo + (1 + session | person) + (1 | community)", "~ session * diversity")
)
out <- list(meta = list(software = paste("R", getRversion(), "glmmTMB", packageVersion("glmmTMB")),
                        note = "glmmTMB gaussian fits with dispformula; scale = dispersion coefficients / 2 (log sigma); na.action = na.omit"))
for (name in names(models)) {
  m <- models[[name]]
  for (reml in c(TRUE, FALSE)) {
    fit <- glmmTMB(m[[2]], dispformula = m[[3]], data = data[[m[[1]]]], REML = reml, na.action = na.omit)
    s <- summary(fit)
    cond <- s$coefficients$cond; disp <- s$coefficients$disp
    vc <- VarCorr(fit)$cond
    out[[name]][[if (reml) "REML" else "ML"]] <- list(
      data = m[[1]], formula = m[[4]], scale = m[[5]], logLik = as.numeric(logLik(fit)), nobs = nobs(fit),
      fixed = list(term = rownames(cond), estimate = unname(cond[, "Estimate"]), se = unname(cond[, "Std. Error"])),
      scale_coef = list(term = rownames(disp), estimate = unname(disp[, "Estimate"]) / 2, se = unname(disp[, "Std. Error"]) / 2),
      random_sd = unname(unlist(lapply(vc, function(v) attr(v, "stddev")))),
      converged = fit$fit$convergence == 0)
  }
}
# the moderated emergence model (lcstat emergence --moderator "sd(lgo)") on the bundled climate data:
# lc1 ~ session + (1 + session | community) + (1 | community:person), log sigma = eta0 + eta1 session
# + eta2 m + eta3 session m, m = the SD of lgo over a community's persons, centred over communities
climate <- read.csv("examples/data/climate.csv")
firstp <- !duplicated(climate$person)
sds <- tapply(climate$lgo[firstp], climate$community[firstp], stats::sd)
climate$m <- unname(sds[climate$community]) - mean(sds)
for (reml in c(TRUE, FALSE)) {
  f0 <- glmmTMB(lc1 ~ session + (1 + session | community) + (1 | community:person), dispformula = ~ session,
                data = climate, REML = reml)
  f1 <- update(f0, dispformula = ~ session * m)
  disp <- summary(f1)$coefficients$disp
  out$climate_moderated[[if (reml) "REML" else "ML"]] <- list(
    logLik_base = as.numeric(logLik(f0)), logLik = as.numeric(logLik(f1)), moderator_sd = sd(sds - mean(sds)),
    scale_coef = list(term = rownames(disp), estimate = unname(disp[, "Estimate"]) / 2, se = unname(disp[, "Std. Error"]) / 2),
    lr = 2 * (as.numeric(logLik(f1)) - as.numeric(logLik(f0))))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), file.path(ref, "scale.json"))
