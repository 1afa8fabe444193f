extension BlockKernels {
    /// `eliminate` for two random effects per group (a random intercept and slope,
    /// the common transfer model), written out: the same arithmetic as the general
    /// kernels, without their loops over q, and with the two rank-1 updates of X'X
    /// fused into one sweep over its upper triangle.
    ///
    ///     Λ = [λ₀₀ 0; λ₁₀ λ₁₁],  A = ΛᵀMΛ + I = LLᵀ,
    ///     R = L⁻¹ΛᵀZ'X (rows r₀, r₁),  c = L⁻¹ΛᵀZ'y,  X'X −= r₀ᵀr₀ + r₁ᵀr₁,  X'y −= Rᵀc.
    @inline(__always)
    static func eliminateTwo(lambda: UnsafePointer<Double>, p: Int, ztz m: UnsafePointer<Double>,
                             ztx: UnsafePointer<Double>, zty: UnsafePointer<Double>,
                             a: UnsafeMutablePointer<Double>, rzx: UnsafeMutablePointer<Double>, cu: UnsafeMutablePointer<Double>,
                             xx: UnsafeMutablePointer<Double>, xy: UnsafeMutablePointer<Double>, det: inout LogProduct) -> Double? {
        let (l00, l10, l11) = (lambda[0], lambda[2], lambda[3])
        // A = Λᵀ (MΛ) + I
        let (t00, t01) = (m[0] * l00 + m[1] * l10, m[1] * l11)
        let (t10, t11) = (m[2] * l00 + m[3] * l10, m[3] * l11)
        let a00 = l00 * t00 + l10 * t10 + 1, a01 = l00 * t01 + l10 * t11, a11 = l11 * t11 + 1
        guard a00 > 0, a00.isFinite else { return nil }
        let c00 = a00.squareRoot(), c10 = a01 / c00
        let d11 = a11 - c10 * c10
        guard d11 > 0, d11.isFinite else { return nil }
        let c11 = d11.squareRoot()
        (a[0], a[1], a[2], a[3]) = (c00, a01, c10, c11)
        // R = L⁻¹ Λᵀ Z'X, row by row
        let r0 = rzx, r1 = rzx + p, x0 = ztx, x1 = ztx + p
        for j in 0..<p {
            let v0 = (l00 * x0[j] + l10 * x1[j]) / c00
            r0[j] = v0
            r1[j] = (l11 * x1[j] - c10 * v0) / c11
        }
        let u0 = (l00 * zty[0] + l10 * zty[1]) / c00
        let u1 = (l11 * zty[1] - c10 * u0) / c11
        cu[0] = u0
        cu[1] = u1
        for i in 0..<p {
            let (s0, s1) = (r0[i], r1[i])
            let row = xx + i * p
            for j in i..<p { row[j] -= s0 * r0[j] + s1 * r1[j] }
            xy[i] -= s0 * u0 + s1 * u1
        }
        det.multiply(by: c00)
        det.multiply(by: c11)
        return u0 * u0 + u1 * u1
    }
}

extension BlockKernels {
    /// The coupling of a person (two effects, after `eliminateTwo` left L, R and c in
    /// a, rzx and cu) to its community (one effect, Λ₂ = λ₂):
    ///
    ///     W = L⁻¹ Λ₁ᵀ (Z₁'Z₂) λ₂,   t₂ₓ −= WᵀR,   t₂ᵧ −= Wᵀc,   S −= WᵀW.
    @inline(__always)
    static func coupleTwoToOne(lambda: UnsafePointer<Double>, lambda2: Double, cross: UnsafePointer<Double>, p: Int,
                               a: UnsafePointer<Double>, rzx: UnsafePointer<Double>, cu: UnsafePointer<Double>,
                               t2x: UnsafeMutablePointer<Double>, t2y: UnsafeMutablePointer<Double>, s: UnsafeMutablePointer<Double>) {
        let (l00, l10, l11) = (lambda[0], lambda[2], lambda[3])
        let (c00, c10, c11) = (a[0], a[2], a[3])
        let (m0, m1) = (cross[0] * lambda2, cross[1] * lambda2)
        let w0 = (l00 * m0 + l10 * m1) / c00
        let w1 = (l11 * m1 - c10 * w0) / c11
        let r0 = rzx, r1 = rzx + p
        for j in 0..<p { t2x[j] -= w0 * r0[j] + w1 * r1[j] }
        t2y[0] -= w0 * cu[0] + w1 * cu[1]
        s[0] -= w0 * w0 + w1 * w1
    }
}
