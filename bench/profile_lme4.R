# lme4's profile intervals of the three-level W3 model, timed (the peer of
# `lcstat transfer --confint profile`): Rscript bench/profile_lme4.R W3.csv
# Prints one JSON line: {"task": "confint.profile@lme4", "seconds", "fit_seconds", "intervals"}.
suppressPackageStartupMessages({ library(lme4); library(jsonlite) })
d <- read.csv(commandArgs(TRUE)[1])
d$support_b <- ave(d$support, d$person); d$support_w <- d$support - d$support_b
d$motivation_b <- ave(d$motivation, d$person); d$motivation_w <- d$motivation - d$motivation_b
d$person <- factor(d$person); d$community <- factor(d$community)
t0 <- proc.time()[["elapsed"]]
fit <- lmer(sharing ~ session + support_w + support_b + motivation_w + motivation_b + selfeff +
              (1 + session | person) + (1 | community), data = d, REML = TRUE)
t1 <- proc.time()[["elapsed"]]
ci <- confint(fit, method = "profile", oldNames = FALSE)
t2 <- proc.time()[["elapsed"]]
cat(toJSON(list(task = "confint.profile@lme4", rows = nrow(d), seconds = t2 - t1, fit_seconds = t1 - t0,
                intervals = list(name = rownames(ci), low = unname(ci[, 1]), high = unname(ci[, 2]))),
           auto_unbox = TRUE, digits = NA), "\n")
