/// The derivative of a criterion with respect to the row sums it is formed from, in the layout of
/// the engine's `rowSumsBySegment` (one block per level and segment): that of the log-determinants
/// plus κ times that of r², κ = ∂criterion/∂r². For weights on the rows (wᵢ² = ω(cellᵢ)) the
/// sums are Σ_cells ω·(the cell's sums), so ∂/∂ω_cell is the inner product of these blocks with
/// the cell's sums (`CellParts.cellDerivatives`).
///
/// With M = [Z X y]'Ω[Z X y], T = blockdiag(Λ, I, 1) and C = T'MT + diag(I, 0, 0), the criterion
/// is log|C₁₁| + m log r² (C₁₁ its first q + p rows and columns for REML, the first q for ML;
/// r² = 1/(C⁻¹)_yy). ∂ log|C₁₁|/∂C = C₁₁⁻¹ (padded with zeros) and, by the envelope theorem,
/// ∂r²/∂C = ww' with w = (−u, −β, 1), so
///
///     ∂/∂M = T [C₁₁⁻¹ + κ ww'] T',     κ = ∂criterion/∂r² (m/r² when σ is profiled out).
///
/// A block that M holds twice (off the diagonal: Z'X, Z'y, Z₁'Z₂, X'y) carries the factor 2.
/// (Magnus & Neudecker, *Matrix Differential Calculus*, 3rd ed., ch. 8, for ∂ log|C|/∂C = C⁻¹.)
final class RowSumGradient: @unchecked Sendable {
    /// κ: the weight of r²'s part (∂criterion/∂r²).
    let kappa: Double
    /// ∂(log-determinants)/∂sums + κ ∂r²/∂sums, by segment (zero until written; an engine fills
    /// them level by level, from several threads at once, before it hands them on).
    let values: [UnsafeMutablePointer<Double>]

    /// Zeros, `sizes` values per segment.
    init(sizes: [Int], kappa: Double) {
        self.kappa = kappa
        values = sizes.map { let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, $0)); p.initialize(repeating: 0, count: max(1, $0)); return p }
    }

    deinit { values.forEach { $0.deallocate() } }
}
