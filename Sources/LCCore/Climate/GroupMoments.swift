/// Per-group mean and SD (n − 1) of one numeric column, missing values left out (two-pass).
struct GroupMoments {
    var mean: [Double] = [], sd: [Double] = [], n: [Int] = []

    init(_ data: Dataset, column: String, groups: Grouping) throws {
        let values = try data.numeric(column)
        for g in 0..<groups.count {
            var sum = 0.0, count = 0
            for r in groups.rows(of: g) {
                let x = values[Int(r)]
                if !x.isNaN { sum += x; count += 1 }
            }
            let m = count > 0 ? sum / Double(count) : .nan
            var ss = 0.0
            for r in groups.rows(of: g) {
                let x = values[Int(r)]
                if !x.isNaN { ss += (x - m) * (x - m) }
            }
            mean.append(m)
            sd.append(count > 1 ? (ss / Double(count - 1)).squareRoot() : .nan)
            n.append(count)
        }
    }
}
