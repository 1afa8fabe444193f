import Foundation
import Testing
import Synchronization
@testable import LCCore

/// R's results for the bundled reference datasets (`Reference/*.json`, made by
/// `shared/reference/make_reference.R`; see `Reference/README.md`).
struct Reference: @unchecked Sendable {
    let json: [String: Any]
    let data: Dataset

    private static let cache = Mutex<[String: Reference]>([:])

    /// Loads (once per test process) R's results `name.json` and the data they were
    /// computed on (`data.csv`, by default `name.csv`).
    static func load(_ name: String, data: String? = nil) throws -> Reference {
        let key = name + "|" + (data ?? name)
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let ref = try read(name, data: data ?? name)
        cache.withLock { $0[key] = ref }
        return ref
    }

    private static func read(_ name: String, data csv: String) throws -> Reference {
        guard let dir = Bundle.module.url(forResource: "Reference", withExtension: nil) else {
            throw LCError(.io, "reference folder missing from the test bundle")
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("\(name).json")))
        let data = try CSVReader.read(path: dir.appendingPathComponent("\(csv).csv").path)
        return Reference(json: json as? [String: Any] ?? [:], data: data)
    }

    /// The object at a dotted path such as `rwg.j.LEAD.uniform` (keys may contain dots, so
    /// the longest key that matches a prefix wins).
    func at(_ path: String) -> Any? {
        var node: Any? = json
        var rest = Substring(path)
        while !rest.isEmpty {
            guard let dict = node as? [String: Any] else { return nil }
            let key = dict.keys.filter { rest == $0 || rest.hasPrefix($0 + ".") }.max { $0.count < $1.count }
            guard let key else { return nil }
            node = dict[key]
            rest = rest.dropFirst(key.count)
            if rest.hasPrefix(".") { rest = rest.dropFirst() }
        }
        return node
    }

    /// A numeric column of a result table (null -> NaN).
    func numbers(_ path: String) -> [Double] {
        let node = at(path)
        if let n = node as? NSNumber { return [n.doubleValue] }      // jsonlite's auto_unbox of length-1 vectors
        return (node as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
    }

    /// A text column of a result table (a single string for length 1, as jsonlite writes it).
    func texts(_ path: String) -> [String] {
        let node = at(path)
        if let s = node as? String { return [s] }
        return (node as? [Any] ?? []).map { $0 as? String ?? "" }
    }

    func number(_ path: String) -> Double { (at(path) as? NSNumber)?.doubleValue ?? .nan }

    /// Group ids as lcstat labels them.
    func labels(_ path: String) -> [String] {
        (at(path) as? [Any] ?? []).map { v in
            if let n = v as? NSNumber { return labelText(n.doubleValue) }
            return v as? String ?? "?"
        }
    }
}

/// |a − b| ≤ tol·max(|b|, 1e-300), NaN matching NaN.
func close(_ a: Double, _ b: Double, _ tol: Double = 1e-9) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    return abs(a - b) <= tol * max(abs(b), 1e-12)
}

/// Index of the first mismatch, or nil.
func firstMismatch(_ a: [Double], _ b: [Double], _ tol: Double = 1e-9) -> String? {
    guard a.count == b.count else { return "lengths \(a.count) vs \(b.count)" }
    for i in a.indices where !close(a[i], b[i], tol) { return "row \(i): \(a[i]) vs R \(b[i])" }
    return nil
}

/// A fit against R's at `base`: its log-likelihood never more than `slack` below R's and within
/// `relative` of it, and its fixed effects within the returned tolerance: 1e-5, or 1e-3 where
/// ours is more than `higher` above R's (R stopped short in a flat direction).
@discardableResult
func expectLikelihoodAndFixed(_ fit: LMMFit, _ ref: Reference, _ base: String, slack: Double, relative: Double,
                              higher: Double) -> Double {
    let theirs = ref.number("\(base).logLik")
    #expect(fit.logLik >= theirs - slack, "\(base): R found a higher likelihood (\(theirs) against \(fit.logLik))")
    #expect(close(fit.logLik, theirs, relative), "\(base) logLik \(fit.logLik) vs \(theirs)")
    let tol = fit.logLik > theirs + higher ? 1e-3 : 1e-5
    let m = firstMismatch(fit.beta, ref.numbers("\(base).fixed.estimate"), tol)
    #expect(m == nil, "\(base) fixed: \(m ?? "")")
    return tol
}
