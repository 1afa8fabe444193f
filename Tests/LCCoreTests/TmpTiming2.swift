import Glibc
import Testing
@testable import LCCore

struct TmpTiming2 {
    @Test(arguments: ["w4"]) func timing(which: String) throws {
        let path = which == "w4" ? "/tmp/w4/w4_medium.csv" : "/tmp/insteval.csv"
        let formula = which == "w4" ? "sharing ~ session + within(support, person) + between(support, person) + lgo + (1 + session | person) + (1 | community) + (1 | organisation)"
            : "y ~ service + (1 | s) + (1 | d) + (1 | dept)"
        let data = try CSVReader.read(path: path)
        let frame = try ModelFrame(Formula(parsing: formula), data: data)
        let blocks = frame.random.sorted { $0.levels.count > $1.levels.count }
        let engine = BlockedCrossProducts(frame, blocks)
        let count = engine.effectsPerTerm.reduce(0) { $0 + $1 * ($1 + 1) / 2 }
        let theta = (0..<count).map { _ in 0.5 }
        func now() -> Double { var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t); return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9 }
        let reps = which == "w4" ? 100 : 10
        var t0 = now()
        for _ in 0..<reps { _ = engine.evaluate(theta, reml: true) }
        let te = (now() - t0) / Double(reps)
        t0 = now()
        for _ in 0..<reps { _ = engine.gradient(theta, reml: true) }
        let tg = (now() - t0) / Double(reps)
        print("TIMING \(which): evaluate \(te * 1000) ms, gradient \(tg * 1000) ms, dense \(engine.layout.denseSize)")
    }
}
