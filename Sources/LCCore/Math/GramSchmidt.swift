/// An orthonormal basis of the span of some columns, by Gram–Schmidt with one
/// reorthogonalisation ("twice is enough": Giraud, Langou & Rozložník 2005), which
/// is as accurate as Householder QR for the conditioning of a model matrix. A column
/// whose part orthogonal to the earlier ones is below `tolerance` of its own norm is
/// set aside as dependent, as R's `qr(x, tol = 1e-7)` (LINPACK's limited pivoting)
/// moves it to the end: `kept` are the independent columns, in order.
struct GramSchmidt {
    /// Orthonormal columns, one per kept column.
    private(set) var q: [[Double]] = []
    /// R (kept × kept, upper triangular, row-major): column kept[j] = Σ_{i≤j} q_i R[i][j].
    private(set) var r: [[Double]] = []
    private(set) var kept: [Int] = []
    private(set) var dependent: [Int] = []

    init(_ columns: [[Double]], tolerance: Double = 1e-7) {
        for (j, c) in columns.enumerated() {
            let norm = GramSchmidt.norm(c)
            var v = c
            var coefficients = [Double](repeating: 0, count: q.count)
            for _ in 0..<2 {
                for (i, basis) in q.enumerated() {
                    let d = GramSchmidt.dot(basis, v)
                    coefficients[i] += d
                    for k in v.indices { v[k] -= d * basis[k] }
                }
            }
            let rest = GramSchmidt.norm(v)
            guard norm > 0, rest >= tolerance * norm else { dependent.append(j); continue }
            for i in r.indices { r[i].append(coefficients[i]) }
            r.append([Double](repeating: 0, count: q.count) + [rest])
            q.append(v.map { $0 / rest })
            kept.append(j)
        }
    }

    /// Least-squares coefficients of y on the kept columns (in `kept` order): R⁻¹Q'y.
    func coefficients(_ y: [Double]) -> [Double] {
        let qty = q.map { GramSchmidt.dot($0, y) }
        var b = [Double](repeating: 0, count: q.count)
        for i in stride(from: q.count - 1, through: 0, by: -1) {
            var s = qty[i]
            for j in (i + 1)..<max(i + 1, q.count) { s -= r[i][j] * b[j] }
            b[i] = s / r[i][i]
        }
        return b
    }

    /// y minus its projection on the columns' span.
    func residual(_ y: [Double]) -> [Double] {
        var v = y
        for _ in 0..<2 {
            for basis in q {
                let d = GramSchmidt.dot(basis, v)
                for k in v.indices { v[k] -= d * basis[k] }
            }
        }
        return v
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
}
