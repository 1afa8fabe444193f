# References for generalized linear mixed models, fitted by lme4::glmer (bobyqa in both
# stages) and performance (Nakagawa R2, latent-scale ICC). glmer's PIRLS stops by default when
# the penalized deviance changes by less than 1e-7 relative (tolPwrss), which leaves its Laplace
# value off the converged one by up to ~1e-4 in logLik (cbpp: -92.02657 against -92.02628, the value
# glmmTMB also gives); the references use tolPwrss = 1e-12 and record the default fit's logLik
# as logLik_default. Writes the data sets it needs and
# Tests/LCCoreTests/Reference/glmm.json. Run from the repo root after
#   python3 ../shared/bench/gen.py /tmp/w4s --workloads w4 --sizes small
#   Rscript scripts/make-reference-glmm.R /tmp/w4s/w4_small.csv
suppressMessages({ library(lme4); library(jsonlite); library(performance); library(glmmTMB) })
ref <- "Tests/LCCoreTests/Reference"
args <- commandArgs(trailingOnly = TRUE)
w4 <- read.csv(args[1])
w4 <- w4[, c("community", "organisation", "person", "session", "lgo", "support", "applied")]
write.csv(w4, file.path(ref, "w4_small_applied.csv"), row.names = FALSE)
write.csv(lme4::cbpp, file.path(ref, "cbpp.csv"), row.names = FALSE)
va <- lme4::VerbAgg[, c("Anger", "Gender", "item", "resp", "id", "btype", "situ", "mode", "r2")]
write.csv(va, file.path(ref, "VerbAgg.csv"), row.names = FALSE)
write.csv(lme4::grouseticks, file.path(ref, "grouseticks.csv"), row.names = FALSE)
data <- list(cbpp = read.csv(file.path(ref, "cbpp.csv"), stringsAsFactors = TRUE),
             VerbAgg = read.csv(file.path(ref, "VerbAgg.csv"), stringsAsFactors = TRUE),
             grouseticks = read.csv(file.path(ref, "grouseticks.csv"), stringsAsFactors = TRUE),
             w4 = read.csv(file.path(ref, "w4_small_applied.csv")))
data$cbpp$period <- factor(data$cbpp$period); data$cbpp$herd <- factor(data$cbpp$herd)
data$grouseticks$YEAR <- factor(data$grouseticks$YEAR)
data$grouseticks$BROOD <- factor(data$grouseticks$BROOD); data$grouseticks$LOCATION <- factor(data$grouseticks$LOCATION)
d <- data$w4
d$support_w <- d$support - ave(d$support, d$person); d$support_b <- ave(d$support, d$person)
d$person <- factor(d$person); d$organisation <- factor(d$organisation); d$community <- factor(d$community)
data$w4 <- d
# name: data, formula as R fits it, formula as lcstat writes it, family, link, nAGQ
models <- list(
  cbpp = list("cbpp", cbind(incidence, size - incidence) ~ period + (1 | herd),
              "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", "binomial", "logit", 1),
  cbpp_agq25 = list("cbpp", cbind(incidence, size - incidence) ~ period + (1 | herd),
                    "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", "binomial", "logit", 25),
  cbpp_probit = list("cbpp", cbind(incidence, size - incidence) ~ period + (1 | herd),
                     "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", "binomial", "probit", 1),
  cbpp_cloglog = list("cbpp", cbind(incidence, size - incidence) ~ period + (1 | herd),
                      "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", "binomial", "cloglog", 1),
  cbpp_poisson_offset = list("cbpp", incidence ~ period + offset(log(size)) + (1 | herd),
                             "incidence ~ factor(period) + offset(log(size)) + (1 | herd)", "poisson", "log", 1),
  verbagg = list("VerbAgg", r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item),
                 "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)", "binomial", "logit", 1),
  verbagg_slope = list("VerbAgg", r2 ~ Anger + Gender + btype + (1 | id) + (1 + Gender | item),
                       "r2 ~ Anger + Gender + btype + (1 | id) + (1 + Gender | item)", "binomial", "logit", 1),
  grouseticks = list("grouseticks", TICKS ~ YEAR + HEIGHT + (1 | BROOD) + (1 | LOCATION),
                     "TICKS ~ factor(YEAR) + HEIGHT + (1 | BROOD) + (1 | LOCATION)", "poisson", "log", 1),
  w4_applied = list("w4", applied ~ session + support_w + support_b + lgo + (1 | person) + (1 | organisation),
                    "applied ~ session + within(support, person) + between(support, person) + lgo + (1 | person) + (1 | organisation)",
                    "binomial", "logit", 1)
)
out <- list(meta = list(software = paste("R", getRversion(), "lme4", packageVersion("lme4"), "performance", packageVersion("performance")),
                        note = "glmer(control = glmerControl(optimizer = 'bobyqa', tolPwrss = 1e-12)); SEs from vcov() (the finite-difference Hessian over theta and beta); tmb_*: glmmTMB's Laplace fit"))
for (name in names(models)) {
  m <- models[[name]]
  fam <- get(m[[4]])(link = m[[5]])
  fit <- glmer(m[[2]], data = data[[m[[1]]]], family = fam, nAGQ = m[[6]],
               control = glmerControl(optimizer = "bobyqa", tolPwrss = 1e-12, optCtrl = list(maxfun = 1e5)))
  default <- glmer(m[[2]], data = data[[m[[1]]]], family = fam, nAGQ = m[[6]], control = glmerControl(optimizer = "bobyqa"))
  co <- summary(fit)$coefficients
  vc <- as.data.frame(VarCorr(fit))
  re <- ranef(fit, condVar = TRUE)
  g1 <- names(re)[1]
  blup <- re[[g1]]
  pv <- attr(blup, "postVar")
  # glmmTMB's Laplace (exact inner optimisation, Hessian by automatic differentiation) beside it
  tmb <- if (m[[6]] == 1) glmmTMB(m[[2]], data = data[[m[[1]]]], family = fam) else NULL
  r2 <- tryCatch(performance::r2_nakagawa(fit, tolerance = 0), error = function(e) NULL)
  icc <- tryCatch(performance::icc(fit, tolerance = 0), error = function(e) NULL)
  out[[name]] <- list(
    data = m[[1]], call = paste(deparse(m[[2]]), collapse = ""), formula = m[[3]], family = m[[4]], link = m[[5]], nagq = m[[6]],
    logLik = as.numeric(logLik(fit)), logLik_default = as.numeric(logLik(default)), aic = AIC(fit), bic = BIC(fit), theta = unname(getME(fit, "theta")),
    fixed = list(term = rownames(co), estimate = unname(co[, "Estimate"]), se = unname(co[, "Std. Error"]),
                 z = unname(co[, "z value"]), p = unname(co[, "Pr(>|z|)"])),
    random = list(grp = vc$grp, var1 = vc$var1, var2 = vc$var2, sd = vc$sdcor),
    blups = list(group = g1, level = rownames(blup), value = unname(blup[[1]]), se = sqrt(unname(pv[1, 1, ]))),
    fitted_head = unname(head(fitted(fit), 10)), link_head = unname(head(predict(fit), 10)),
    r2_marginal = if (is.null(r2)) NULL else unname(r2$R2_marginal),
    r2_conditional = if (is.null(r2)) NULL else unname(r2$R2_conditional),
    icc_adjusted = if (is.null(icc)) NULL else unname(icc$ICC_adjusted),
    tmb_logLik = if (is.null(tmb)) NULL else as.numeric(logLik(tmb)),
    tmb_estimate = if (is.null(tmb)) NULL else unname(fixef(tmb)$cond),
    tmb_se = if (is.null(tmb)) NULL else unname(sqrt(diag(vcov(tmb)$cond))),
    singular = isSingular(fit), nobs = nobs(fit), messages = fit@optinfo$conv$lme4$messages)
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), file.path(ref, "glmm.json"))
