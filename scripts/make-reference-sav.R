# An SPSS file as a user exports one (issue 16.2): the bundled climate data with the
# community as a labelled nominal number (1 = "LC Antwerp", ...), the items as labelled
# ordinal numbers (1 = "strongly disagree" ... 5 = "strongly agree") whose missing answers are
# the user-missing code -99, written by haven::write_sav. lcstat must read it to the same
# numbers as the CSV. Also climate.zsav and climate.dta (below). Run: Rscript scripts/make-reference-sav.R
suppressMessages(library(haven))
d <- read.csv("examples/data/climate.csv", stringsAsFactors = FALSE)
communities <- sort(unique(d$community))
codes <- setNames(seq_along(communities), communities)
d$community <- labelled(unname(codes[d$community]), codes)
likert <- c("strongly disagree" = 1, "disagree" = 2, "neutral" = 3, "agree" = 4, "strongly agree" = 5)
for (item in paste0("lc", 1:6)) {
  x <- d[[item]]
  x[is.na(x)] <- -99
  d[[item]] <- labelled_spss(x, c(likert, "no answer" = -99), na_values = -99)
}
write_sav(d, "Tests/LCCoreTests/Reference/climate.sav")

# The same data as a compressed SPSS file (.zsav) and as a Stata file (.dta: Stata has no
# user-missing values, so the missing answers are plain missing, and labels as in the .sav).
write_sav(d, "Tests/LCCoreTests/Reference/climate.zsav", compress = "zsav")
stata <- d
for (item in paste0("lc", 1:6)) {
  x <- unclass(zap_missing(d[[item]]))
  attributes(x) <- NULL
  stata[[item]] <- labelled(x, likert)
}
write_dta(stata, "Tests/LCCoreTests/Reference/climate.dta")
