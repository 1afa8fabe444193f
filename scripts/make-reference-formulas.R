# Reference for R's formula language and factor coding in mixed models, and for what a
# fit gives back, on the public datasets of lme4 and nlme (sleepstudy, Dyestuff2, cake;
# Machines, Orthodont, Oxboys). Each dataset is written as CSV and read back with
# read.csv(stringsAsFactors = TRUE) in the C collation, so R fits exactly the data lcstat
# reads (text factors with sorted levels). Writes Tests/LCCoreTests/Reference/<data>.csv
# and formulas.json. Run from the repository root:
#   Rscript scripts/make-reference-formulas.R
suppressMessages({ library(lme4); library(lmerTest); library(jsonlite); library(performance) })
invisible(Sys.setlocale("LC_COLLATE", "C"))
dir <- "Tests/LCCoreTests/Reference"
raw <- list(
  sleepstudy = transform(lme4::sleepstudy, w = rep(c(0.5, 1, 2), length.out = 180)),
  Dyestuff2 = lme4::Dyestuff2,
  cake = lme4::cake[, c("replicate", "recipe", "temp", "angle")],
  Machines = as.data.frame(nlme::Machines),
  Orthodont = as.data.frame(nlme::Orthodont),
  Oxboys = as.data.frame(nlme::Oxboys))
data <- list()
for (name in names(raw)) {
  d <- raw[[name]]
  for (k in names(d)) if (is.factor(d[[k]])) d[[k]] <- as.character(d[[k]])
  write.csv(d, file.path(dir, paste0(name, ".csv")), row.names = FALSE, na = "")
  data[[name]] <- read.csv(file.path(dir, paste0(name, ".csv")), stringsAsFactors = TRUE)
}

# (name, data, formula, REML, weights column, contrasts)
models <- list(
  list("machines_no_intercept", "Machines", "score ~ 0 + Machine + (1 | Worker)"),
  list("machines_minus_one", "Machines", "score ~ Machine - 1 + (1 | Worker)"),
  list("machines_full_block", "Machines", "score ~ Machine + (0 + Machine | Worker)"),
  list("machines_nested", "Machines", "score ~ Machine + (1 | Worker) + (1 | Worker:Machine)"),
  list("machines_sum", "Machines", "score ~ Machine + (1 | Worker) + (1 | Worker:Machine)", TRUE, NULL, list(Machine = "contr.sum")),
  list("machines_helmert_ml", "Machines", "score ~ Machine + (1 | Worker)", FALSE, NULL, list(Machine = "contr.helmert")),
  list("orthodont_sex_slopes", "Orthodont", "distance ~ Sex + age:Sex + (1 | Subject)"),
  list("orthodont_slopes_only", "Orthodont", "distance ~ age:Sex + (1 | Subject)"),
  list("orthodont_poly", "Orthodont", "distance ~ poly(age, 2) + Sex + (age | Subject)"),
  list("orthodont_centred", "Orthodont", "distance ~ I(age - 11) * Sex + (1 | Subject)"),
  list("orthodont_log_scale", "Orthodont", "log(distance) ~ scale(age) + relevel(Sex, \"Male\") + (1 | Subject)"),
  list("sleep_uncorrelated", "sleepstudy", "Reaction ~ Days + (Days || Subject)"),
  list("sleep_raw_poly_ml", "sleepstudy", "log(Reaction) ~ poly(Days, 2, raw = TRUE) + (1 | Subject)", FALSE),
  list("sleep_transformed", "sleepstudy", "I(Reaction/10) ~ Days + I(Days^2) + (Days | Subject)"),
  list("sleep_factor_days", "sleepstudy", "Reaction ~ factor(Days) + (1 | Subject)"),
  list("sleep_weights", "sleepstudy", "Reaction ~ Days + (Days | Subject)", TRUE, "w"),
  list("sleep_offset", "sleepstudy", "Reaction ~ Days + offset(2 * Days) + (1 | Subject)"),
  list("sleep_functions", "sleepstudy", "sqrt(Reaction) ~ log1p(Days) + abs(Days - 4) + exp(Days/10) + I(-Days^2/2) + (1 | Subject)"),
  list("cake_ordered", "cake", "angle ~ recipe * ordered(temp) + (1 | recipe:replicate)"),
  list("cake_power", "cake", "angle ~ (recipe + temp + I(temp^2))^2 + (1 | replicate)"),
  list("cake_power_scaled", "cake", "angle ~ (recipe + I(temp/100) + I((temp/100)^2))^2 + (1 | replicate)"),
  list("cake_in", "cake", "angle ~ recipe + temp %in% recipe + (1 | replicate)"),
  list("cake_nest", "cake", "angle ~ recipe/temp + (1 | replicate)"),
  list("cake_minus", "cake", "angle ~ recipe * temp - recipe:temp + (1 | replicate)"),
  list("cake_order_of_variables", "cake", "angle ~ replicate * temp + recipe * temp + (1 | replicate)"),
  list("oxboys_poly3", "Oxboys", "height ~ poly(age, 3) + (age | Subject)"),
  list("oxboys_ordered_ml", "Oxboys", "height ~ ordered(Occasion) + (1 | Subject)", FALSE),
  list("dyestuff2_singular", "Dyestuff2", "Yield ~ 1 + (1 | Batch)"))

num <- function(x) unname(as.numeric(x))
# Nakagawa & Schielzeth's R² with Johnson's random-slope variance over every random term:
# sigma²_r = mean_i z_i' Sigma z_i = sigma² ||Z Lambda||²_F / n. performance::r2_nakagawa
# leaves out slopes in separate (x || g) terms and effects that are not columns of X.
johnson <- function(fit) {
  n <- nobs(fit)
  vf <- var(as.vector(getME(fit, "X") %*% fixef(fit)))
  vr <- sigma(fit)^2 * sum(as.matrix(getME(fit, "Z") %*% getME(fit, "Lambda"))^2) / n
  total <- vf + vr + sigma(fit)^2
  list(marginal = vf / total, conditional = (vf + vr) / total)
}
out <- list(meta = list(
  software = paste("R", getRversion(), "lme4", packageVersion("lme4"), "lmerTest", packageVersion("lmerTest"),
                   "performance", packageVersion("performance")),
  note = paste("lmerTest::lmer fits of data read back from CSV (C collation); fixed: summary() with Satterthwaite df;",
               "anova: anova(fit) (type III, Satterthwaite); r2: performance::r2_nakagawa; ranef se: sqrt of condVar;",
               "predict: predict(fit, newdata = first 5 rows) with re.form NULL and NA")))
for (m in models) {
  name <- m[[1]]; d <- data[[m[[2]]]]
  reml <- if (length(m) >= 4) m[[4]] else TRUE
  wcol <- if (length(m) >= 5) m[[5]] else NULL
  contr <- if (length(m) >= 6) m[[6]] else NULL
  f <- as.formula(m[[3]])
  fit <- if (is.null(wcol)) lmerTest::lmer(f, data = d, REML = reml, contrasts = contr)
         else lmerTest::lmer(f, data = d, REML = reml, contrasts = contr, weights = d[[wcol]])
  co <- summary(fit)$coefficients
  vc <- as.data.frame(VarCorr(fit))
  X <- getME(fit, "X")
  av <- anova(fit)
  r2 <- suppressWarnings(performance::r2_nakagawa(fit))
  blups <- as.data.frame(ranef(fit, condVar = TRUE))
  newdata <- d[1:5, , drop = FALSE]
  kr <- NULL
  if (reml && is.null(wcol)) {
    kco <- summary(fit, ddf = "Kenward-Roger")$coefficients
    kav <- anova(fit, ddf = "Kenward-Roger")
    kr <- list(se = num(kco[, "Std. Error"]), df = num(kco[, "df"]), anova_f = num(kav[["F value"]]),
               anova_den_df = num(kav[["DenDF"]]))
  }
  out[[name]] <- list(
    data = m[[2]], formula = m[[3]], reml = reml, weights = wcol,
    contrasts = if (is.null(contr)) NULL else lapply(contr, function(x) sub("contr.", "", x, fixed = TRUE)),
    xnames = colnames(X), x_colsums = num(colSums(X)), x_row1 = num(X[1, ]),
    logLik = as.numeric(logLik(fit)), sigma = sigma(fit), nobs = nobs(fit), singular = isSingular(fit),
    criterion = if (reml) num(getME(fit, "devcomp")$cmp["REML"]) else num(getME(fit, "devcomp")$cmp["dev"]),
    theta = num(getME(fit, "theta")),
    fixed = list(term = rownames(co), estimate = num(co[, "Estimate"]), se = num(co[, "Std. Error"]),
                 df = num(co[, "df"]), p = num(co[, "Pr(>|t|)"])),
    random = list(grp = vc$grp, var1 = ifelse(is.na(vc$var1), "", vc$var1), var2 = ifelse(is.na(vc$var2), "", vc$var2),
                  sdcor = num(vc$sdcor)),
    cnms = lapply(getME(fit, "cnms"), as.character), cnms_groups = names(getME(fit, "cnms")),
    fitted = num(fitted(fit)), residuals = num(residuals(fit)), pearson = num(residuals(fit, type = "pearson")),
    fitted_fixed = num(predict(fit, re.form = NA)),
    predict_random = num(predict(fit, newdata = newdata)), predict_fixed = num(predict(fit, newdata = newdata, re.form = NA)),
    r2 = list(marginal = num(r2$R2_marginal), conditional = num(r2$R2_conditional)),
    r2_johnson = johnson(fit),
    pearson_scaled = num(residuals(fit, type = "pearson", scaled = TRUE)),
    anova = list(term = rownames(av), num_df = num(av[["NumDF"]]), den_df = num(av[["DenDF"]]),
                 f = num(av[["F value"]]), p = num(av[["Pr(>F)"]])),
    kenward_roger = kr,
    ranef = list(group = as.character(blups$grpvar), level = as.character(blups$grp), term = as.character(blups$term),
                 value = num(blups$condval), se = num(blups$condsd)))
}
# a factor in its own level order (nlme's Orthodont: Sex is Male, Female), as a pandas Categorical passes it
orth <- as.data.frame(nlme::Orthodont)
fit <- lmer(distance ~ Sex + age:Sex + (1 | Subject), orth)
out$categorical <- list(formula = "distance ~ Sex + age:Sex + (1 | Subject)", levels = levels(orth$Sex),
                        xnames = colnames(getME(fit, "X")), estimate = num(fixef(fit)), logLik = as.numeric(logLik(fit)))

# lme4's anova of two REML fits: refitted by ML (refit = TRUE, the default) or not
m0 <- lmer(Reaction ~ Days + (1 | Subject), data$sleepstudy)
m1 <- lmer(Reaction ~ Days + (Days | Subject), data$sleepstudy)
for (refit in c(TRUE, FALSE)) {
  a <- anova(m0, m1, refit = refit)
  out$compare[[if (refit) "refit" else "no_refit"]] <- list(
    models = c("Reaction ~ Days + (1 | Subject)", "Reaction ~ Days + (Days | Subject)"),
    npar = num(a$npar), loglik = num(a$logLik), deviance = num(a$deviance), chisq = num(a$Chisq), df = num(a$Df),
    p = num(a[["Pr(>Chisq)"]]))
}
# confint: profile (lme4's spline through the profile) and parametric bootstrap percentiles
ci <- function(x) list(name = rownames(x), low = num(x[, 1]), high = num(x[, 2]))
for (m in list(list("sleep_slopes", "sleepstudy", "Reaction ~ Days + (Days | Subject)"),
               list("machines_nested", "Machines", "score ~ Machine + (1 | Worker) + (1 | Worker:Machine)"),
               list("orthodont_sex_slopes_ml", "Orthodont", "distance ~ Sex + age:Sex + (1 | Subject)", FALSE),
               list("dyestuff2_singular", "Dyestuff2", "Yield ~ 1 + (1 | Batch)"))) {
  reml <- if (length(m) >= 4) m[[4]] else TRUE
  fit <- lmer(as.formula(m[[3]]), data[[m[[2]]]], REML = reml)
  prof <- suppressWarnings(confint(fit, method = "profile", oldNames = FALSE))
  out$confint[[m[[1]]]] <- list(data = m[[2]], formula = m[[3]], reml = reml, profile = ci(prof))
}
fit <- lmer(Reaction ~ Days + (Days | Subject), data$sleepstudy)
set.seed(1)
boot <- suppressWarnings(confint(fit, method = "boot", nsim = 1000, oldNames = FALSE))
out$confint$sleep_slopes$bootstrap <- c(ci(boot), nsim = 1000)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null"),
           file.path(dir, "formulas.json"))
