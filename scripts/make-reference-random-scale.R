# Reference for random scale effects (issue 15): a mixed-effects location-scale model with a
# random scale effect per community (MELS), fitted by maximum likelihood written out here,
# independently of lcstat: for each community the Gaussian density of its rows given tau is
# evaluated from the dense covariance matrix (chol of V_c, no Woodbury), and the integral over
# tau by adaptive Gauss-Hermite quadrature with 40 nodes (Golub-Welsch nodes, mode by
# optimize()). optim (BFGS, fine finite differences) maximises it over lcstat's parametrisation.
#   log sigma_ij = eta0 + eta1 * session + tau_c,   (tau_c, u_c) ~ N(0, J J'),  b_p ~ N(0, tp^2)
# Data: simulated here (seeded) with a known truth; written to random_scale.csv.
# Run: Rscript scripts/make-reference-random-scale.R Tests/LCCoreTests/Reference
suppressMessages({ library(jsonlite); library(lme4) })
out <- commandArgs(TRUE)[1]
set.seed(20261206)
nc <- 40; np <- 6; nt <- 5
community <- rep(1:nc, each = np * nt)
person <- rep(1:(nc * np), each = nt)
session <- rep(0:(nt - 1), nc * np)
x <- round(rnorm(nc * np * nt), 6)
tau <- rnorm(nc, 0, 0.35)
u <- 0.4 * (0.4 * tau / 0.35 + sqrt(1 - 0.4^2) * rnorm(nc))
b <- rnorm(nc * np, 0, 0.5)
y <- round(3 + 0.1 * session + 0.3 * x + u[community] + b[person] +
           exp(-0.3 - 0.08 * session + tau[community]) * rnorm(length(x)), 6)
d <- data.frame(community, person, session, x, y)
write.csv(d, file.path(out, "random_scale.csv"), row.names = FALSE)

gh <- function(n) {   # Golub-Welsch: nodes and weights of int f(x) exp(-x^2) dx
  e <- eigen(diag(0, n) + { m <- matrix(0, n, n); k <- 1:(n - 1); m[cbind(k, k + 1)] <- m[cbind(k + 1, k)] <- sqrt(k / 2); m }, symmetric = TRUE)
  list(x = e$values, w = sqrt(pi) * e$vectors[1, ]^2)
}
rule <- gh(40)
X <- cbind(1, d$session, d$x)
rows <- split(seq_len(nrow(d)), d$community)
# parameters: beta (3), eta (2), tp (1), J lower (tau first): J00, J10, J11 (correlated) or J00, J11
unpack <- function(th, correlated) {
  list(beta = th[1:3], eta = th[4:5], tp = th[6],
       J = if (correlated) matrix(c(th[7], th[8], 0, th[9]), 2) else matrix(c(th[7], 0, 0, th[8]), 2))
}
logp <- function(z, r, a) {   # log p(y_c | z) + log phi(z), from the dense V_c
  t <- a$J[1, 1] * z; mu <- a$J[2, 1] * z
  Zp <- outer(d$person[r], unique(d$person[r]), "==") * 1
  V <- a$J[2, 2]^2 + a$tp^2 * Zp %*% t(Zp) + diag(exp(2 * (a$eta[1] + a$eta[2] * d$session[r] + t)), length(r))
  L <- tryCatch(chol(V), error = function(e) NULL)
  if (is.null(L)) return(-1e300)     # outside the parameter space (a line search's overshoot)
  res <- backsolve(L, d$y[r] - X[r, ] %*% a$beta - mu, transpose = TRUE)
  -0.5 * length(r) * log(2 * pi) - sum(log(diag(L))) - 0.5 * sum(res^2) + dnorm(z, log = TRUE)
}
loglik <- function(th, correlated) {
  a <- unpack(th, correlated)
  sum(sapply(rows, function(r) {
    g <- function(z) logp(z, r, a)
    m <- optimize(g, c(-8, 8), maximum = TRUE, tol = 1e-12)$maximum
    h <- 1e-4; c2 <- (g(m + h) - 2 * g(m) + g(m - h)) / h^2; s <- 1 / sqrt(-c2)
    v <- sapply(m + sqrt(2) * s * rule$x, g) + rule$x^2 + log(rule$w)
    top <- max(v); top + log(sum(exp(v - top))) + log(sqrt(2) * s)
  }))
}
fit <- function(correlated) {
  m0 <- lmer(y ~ session + x + (1 | person) + (1 | community), d, REML = FALSE)
  vc <- as.data.frame(VarCorr(m0))
  start <- c(fixef(m0), log(sigma(m0)), 0, vc$sdcor[1], 0.2, if (correlated) 0, vc$sdcor[2])
  o <- optim(start, function(th) -loglik(th, correlated), method = "BFGS",
             control = list(reltol = 1e-13, maxit = 2000, ndeps = rep(1e-5, length(start))))
  a <- unpack(o$par, correlated)
  rho <- if (correlated) sign(a$J[1, 1]) * a$J[2, 1] / sqrt(a$J[2, 1]^2 + a$J[2, 2]^2) else NA
  list(correlated = correlated, loglik = -o$value, convergence = o$convergence, parameters = o$par,
       beta = a$beta, eta = a$eta, sd_person = abs(a$tp), sd_community = sqrt(sum(a$J[2, ]^2)),
       sd_tau = abs(a$J[1, 1]), rho = rho,
       # the criterion at a fixed point, for a check of the likelihood alone
       test_point = start, test_loglik = loglik(start, correlated))
}
ref <- list(formula = "y ~ session + x + (1 | person) + (1 | community)",
            scale = "~ session + (1 | community)", nodes = 40,
            correlated = fit(TRUE), independent = fit(FALSE))
ref$scale_independent <- "~ session + (1 || community)"
write_json(ref, file.path(out, "random_scale.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
