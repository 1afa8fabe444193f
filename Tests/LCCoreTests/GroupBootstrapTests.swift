import Testing
@testable import LCCore

struct GroupBootstrapTests {
    /// Percentile intervals from resampled groups: reproducible by seed, around the
    /// estimate, and of the same width as the F-based interval for balanced-ish groups.
    @Test func iccIntervals() throws {
        let ref = try Reference.load("lq2002")
        var spec = ICCSpec(group: ["COMPID"], items: ["LEAD05", "TSIG01"])
        spec.bootstrap = 2000
        spec.seed = 11
        let t = try ICC.run(ref.data, spec).table
        #expect(try ICC.run(ref.data, spec).table == t)
        let (icc1, lo, hi) = (t.doubles("icc1")!, t.doubles("icc1_boot_low")!, t.doubles("icc1_boot_high")!)
        let (fLo, fHi) = (t.doubles("icc1_low")!, t.doubles("icc1_high")!)
        for i in icc1.indices {
            #expect(lo[i] < icc1[i] && icc1[i] < hi[i], "row \(i): \(lo[i]) < \(icc1[i]) < \(hi[i])")
            let ratio = (hi[i] - lo[i]) / (fHi[i] - fLo[i])
            #expect(ratio > 0.33 && ratio < 3, "row \(i): bootstrap width / F width = \(ratio)")
        }
        #expect(t.doubles("icc2_boot_low")!.allSatisfy { $0 <= 1 })
        // without the option the columns are absent
        #expect(try ICC.run(ref.data, ICCSpec(group: ["COMPID"], items: ["LEAD05"])).table.column(named: "icc1_boot_low") == nil)
    }

    /// The mean of a group-level column: the estimate is the mean; the bootstrap SE is
    /// close to SD/√J (the plug-in SE), since resampling groups is resampling the values.
    @Test func meanOfAColumn() throws {
        var rng = Xoshiro256(seed: 5)
        let v = (0..<400).map { _ in rng.unit() }
        let t = try GroupBootstrap.statistic(v, median: false, replicates: 4000, seed: 2)
        let mean = v.reduce(0, +) / 400
        let sd = (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 400).squareRoot()
        #expect(abs(t.doubles("estimate")![0] - mean) < 1e-15)
        #expect(abs(t.doubles("se")![0] / (sd / 20) - 1) < 0.1)
        #expect(t.doubles("low")![0] < mean && mean < t.doubles("high")![0])
        #expect(throws: LCError.self) { try GroupBootstrap.statistic([1], median: true, replicates: 100, seed: 1) }
    }
}
