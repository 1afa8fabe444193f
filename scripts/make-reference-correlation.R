# References for residual correlation within groups (nlme's corAR1, corCAR1 and
# corCompSymm, with and without varExp), fitted by nlme::lme. Writes the data sets it
# needs (Ovary, its copy with gaps, BodyWeight) and
# Tests/LCCoreTests/Reference/correlation.json. Run from the repo root:
#   Rscript scripts/make-reference-correlation.R
suppressMessages({ library(nlme); library(jsonlite) })
ref <- "Tests/LCCoreTests/Reference"
ovary <- as.data.frame(nlme::Ovary)
ovary$Mare <- as.character(ovary$Mare)
ovary$visit <- ave(seq_len(nrow(ovary)), ovary$Mare, FUN = seq_along)    # the default corAR1() position
ovary$s <- sin(2 * pi * ovary$Time); ovary$c <- cos(2 * pi * ovary$Time)
ovary <- ovary[, c("Mare", "visit", "Time", "s", "c", "follicles")]
write.csv(ovary, file.path(ref, "Ovary.csv"), row.names = FALSE)
gaps <- ovary[ovary$visit %% 4 != 0, ]       # missing occasions: the visit number sets the lag
write.csv(gaps, file.path(ref, "Ovary_gaps.csv"), row.names = FALSE)
body <- as.data.frame(nlme::BodyWeight)
body$Rat <- as.character(body$Rat); body$Diet <- factor(as.character(body$Diet))
body <- body[, c("Rat", "Diet", "Time", "weight")]
write.csv(body, file.path(ref, "BodyWeight.csv"), row.names = FALSE)
univbct <- read.csv(file.path(ref, "univbct.csv"))
univbct$CO <- paste(univbct$BTN, univbct$COMPANY, sep = ":")
data <- list(Ovary = read.csv(file.path(ref, "Ovary.csv")), Ovary_gaps = read.csv(file.path(ref, "Ovary_gaps.csv")),
             BodyWeight = read.csv(file.path(ref, "BodyWeight.csv")), univbct = univbct)
data$BodyWeight$Diet <- factor(data$BodyWeight$Diet)

# name = (data, fixed, random, correlation, weights, lcstat formula, lcstat correlation, lcstat variance[, control])
long <- lmeControl(maxIter = 500, msMaxIter = 500, niterEM = 100, msMaxEval = 2000)   # nlme's defaults stop short on univbct
models <- list(
  ovary_ar1 = list("Ovary", follicles ~ s + c, ~ 1 | Mare, quote(corAR1(form = ~ visit | Mare)), NULL,
                   "follicles ~ s + c + (1 | Mare)", "ar1(visit | Mare)", NA),
  ovary_ar1_position = list("Ovary", follicles ~ s + c, ~ 1 | Mare, quote(corAR1()), NULL,
                   "follicles ~ s + c + (1 | Mare)", "ar1(| Mare)", NA),
  ovary_ar1_varexp = list("Ovary", follicles ~ s + c, ~ 1 | Mare, quote(corAR1(form = ~ visit | Mare)), quote(varExp(form = ~ Time)),
                   "follicles ~ s + c + (1 | Mare)", "ar1(visit | Mare)", "exp(Time)"),
  ovary_gaps_ar1 = list("Ovary_gaps", follicles ~ s + c, ~ 1 | Mare, quote(corAR1(form = ~ visit | Mare)), NULL,
                   "follicles ~ s + c + (1 | Mare)", "ar1(visit | Mare)", NA),
  ovary_car1 = list("Ovary", follicles ~ s + c, ~ 1 | Mare, quote(corCAR1(form = ~ Time | Mare)), NULL,
                   "follicles ~ s + c + (1 | Mare)", "car1(Time | Mare)", NA),
  bodyweight_car1 = list("BodyWeight", weight ~ Time * Diet, ~ Time | Rat, quote(corCAR1(form = ~ Time | Rat)), NULL,
                   "weight ~ Time * factor(Diet) + (1 + Time | Rat)", "car1(Time | Rat)", NA),
  bodyweight_car1_varexp = list("BodyWeight", weight ~ Time * Diet, ~ Time | Rat, quote(corCAR1(form = ~ Time | Rat)),
                   quote(varExp(form = ~ Time)), "weight ~ Time * factor(Diet) + (1 + Time | Rat)", "car1(Time | Rat)", "exp(Time)"),
  univbct_cs = list("univbct", JSAT ~ TIME, ~ 1 | CO, quote(corCompSymm(form = ~ 1 | CO/SUBNUM)), NULL,
                   "JSAT ~ TIME + (1 | BTN:COMPANY)", "cs(| SUBNUM)", NA),
  univbct_cs_varexp = list("univbct", JSAT ~ TIME, ~ 1 | CO, quote(corCompSymm(form = ~ 1 | CO/SUBNUM)), quote(varExp(form = ~ TIME)),
                   "JSAT ~ TIME + (1 | BTN:COMPANY)", "cs(| SUBNUM)", "exp(TIME)"),
  univbct_ar1 = list("univbct", JSAT ~ TIME, ~ TIME | SUBNUM, quote(corAR1()), NULL,
                   "JSAT ~ TIME + (1 + TIME | SUBNUM)", "ar1(| SUBNUM)", NA, long),
  univbct_ar1_varexp = list("univbct", JSAT ~ TIME, ~ TIME | SUBNUM, quote(corAR1()), quote(varExp(form = ~ TIME)),
                   "JSAT ~ TIME + (1 + TIME | SUBNUM)", "ar1(| SUBNUM)", "exp(TIME)", long)
)
out <- list(meta = list(software = paste("R", getRversion(), "nlme", packageVersion("nlme")),
                        note = "nlme::lme fits (na.action = na.omit, default control); logLik as nlme reports it"))
for (name in names(models)) {
  m <- models[[name]]
  for (method in c("REML", "ML")) {
    args <- list(fixed = m[[2]], random = m[[3]], data = data[[m[[1]]]], correlation = eval(m[[4]]),
                 method = method, na.action = na.omit)
    if (!is.null(m[[5]])) args$weights <- eval(m[[5]])
    if (length(m) >= 9) args$control <- m[[9]]
    fit <- do.call(lme, args)
    tt <- summary(fit)$tTable
    vc <- VarCorr(fit)
    cs <- coef(fit$modelStruct$corStruct, unconstrained = FALSE)
    vs <- if (!is.null(m[[5]])) coef(fit$modelStruct$varStruct, unconstrained = FALSE) else NULL
    out[[name]][[method]] <- list(
      data = m[[1]], call = paste(deparse(fit$call), collapse = ""),
      formula = m[[6]], correlation = m[[7]], variance = if (is.na(m[[8]])) NULL else m[[8]],
      logLik = as.numeric(logLik(fit)), sigma = fit$sigma, nobs = fit$dims$N,
      fixed = list(term = rownames(tt), estimate = unname(tt[, "Value"]), se = unname(tt[, "Std.Error"])),
      random_sd = unname(sqrt(diag(as.matrix(getVarCov(fit))))),
      random_terms = rownames(vc)[rownames(vc) != "Residual"],
      corStruct = as.list(cs), varStruct = if (is.null(vs)) NULL else as.list(vs))
  }
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), file.path(ref, "correlation.json"))
