/// The gradient of the profiled (RE)ML criterion in θ, from the diagonal blocks of an inverse
/// and the spherical modes (what the blocked factor gives: `BlockedCrossProducts.gradient`).
///
/// With T = blockdiag(Λ, I) and A = T'W̃'W̃T + [I 0; 0 0] over W̃ = [Z X], A⁻¹T'W̃'W̃T = I − A⁻¹[I 0; 0 0],
/// so for an entry θ_j of Λ_k (Λ_k invertible)
///
///     ∂ log|A| / ∂θ_j = tr(A⁻¹ ∂A/∂θ_j) = 2 Σ_ℓ tr(Λ_k⁻¹ ∂Λ_k/∂θ_j (I − Z_ℓℓ))
///
/// over the levels ℓ of factor k, Z_ℓℓ the diagonal blocks of A⁻¹ (REML: log|L|² + log|R_X|² =
/// log|A|; ML: log|L|², the same with the inverse of the random part alone). By the envelope
/// theorem, and Λ_k'Z_ℓ'(y − Xβ̂ − ZΛu) = u_ℓ at the solution (its normal equations),
///
///     ∂r² / ∂θ_j = −2 Σ_ℓ u_ℓ' Λ_k⁻¹ ∂Λ_k/∂θ_j u_ℓ.
///
/// For θ_j = Λ_k[a, b], tr(Λ⁻¹ e_a e_b' H) = (HΛ⁻¹)[b, a]. (Bates et al. 2015, JSS 67(1), §3
/// for the criterion; these derivatives as in Bates & DebRoy 2004, J. Multivariate Anal. 91.)
struct DevianceGradient {
    /// ∂/∂θ of the log-determinants (log|L|², + log|R_X|² for REML) and of r², in the engine's θ order
    /// (each factor's lower triangle, column by column).
    let logDeterminants: [Double], r2: [Double]

    init(logDeterminants: [Double], r2: [Double]) { (self.logDeterminants, self.r2) = (logDeterminants, r2) }

    /// Of the criterion: the log-determinants' + m/r² · r²'s (m = n − p for REML, n for ML).
    func criterion(m: Double, r2 value: Double) -> [Double] {
        zip(logDeterminants, r2).map { $0 + m / value * $1 }
    }

    /// Whether the gradient has this form at these Λ_k: each invertible (no variance at zero).
    static func exists(for lambdas: [Matrix]) -> Bool {
        lambdas.allSatisfy { lambda in (0..<lambda.rows).allSatisfy { lambda[$0, $0] != 0 } }
    }

    /// `lambdas`: Λ_k; `levels`: levels per factor; `inverseSums`: Σ_ℓ Z_ℓℓ per factor (row-major);
    /// `modeSums`: Σ_ℓ u_ℓu_ℓ' per factor (row-major). Nil where some Λ_k is singular (`exists`).
    init?(lambdas: [Matrix], levels: [Int], inverseSums: [[Double]], modeSums: [[Double]]) {
        guard Self.exists(for: lambdas) else { return nil }
        var logDeterminants: [Double] = [], r2: [Double] = []
        for (k, lambda) in lambdas.enumerated() {
            let qk = lambda.rows
            let inverse = lambda.solveLower(.identity(qk))
            // G = Σ_ℓ (I − Z_ℓℓ) and U = Σ_ℓ u_ℓu_ℓ'
            var g = Matrix(rows: qk, cols: qk), u = Matrix(rows: qk, cols: qk)
            for a in 0..<qk {
                for b in 0..<qk {
                    g[a, b] = (a == b ? Double(levels[k]) : 0) - inverseSums[k][a * qk + b]
                    u[a, b] = modeSums[k][a * qk + b]
                }
            }
            let (gi, ui) = (g * inverse, u * inverse)
            for b in 0..<qk {
                for a in b..<qk {
                    logDeterminants.append(2 * gi[b, a])
                    r2.append(-2 * ui[b, a])
                }
            }
        }
        (self.logDeterminants, self.r2) = (logDeterminants, r2)
    }
}
