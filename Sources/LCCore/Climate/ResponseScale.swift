/// A declared Likert response scale `low...high` with integer options, e.g. 1...5 (A = 5).
public struct ResponseScale: Sendable, Equatable {
    public let low: Double
    public let high: Double

    public init(low: Double, high: Double) throws {
        guard low.isFinite, high.isFinite, low < high else {
            throw LCError(.invalidArgument, "a response scale needs finite bounds with low < high, got \(low):\(high)")
        }
        guard low == low.rounded(), high == high.rounded() else {
            throw LCError(.invalidArgument, "response scale bounds must be whole numbers, got \(low):\(high)")
        }
        guard abs(low) <= 1e9, abs(high) <= 1e9, high - low < 1_000_000 else {
            throw LCError(.invalidArgument, "response scale \(low):\(high) has too many options")
        }
        self.low = low
        self.high = high
    }

    /// A, the number of response options.
    public var options: Int { Int(high - low) + 1 }

    /// Parses `"1:5"` (also `"1..5"`, `"1,5"`).
    public init(parsing text: String) throws {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "," || $0 == "." }).map(String.init)
        guard parts.count == 2, let lo = Double(parts[0]), let hi = Double(parts[1]) else {
            throw LCError(.invalidArgument, "cannot read the scale '\(text)'; write it as LOW:HIGH, e.g. 1:5")
        }
        try self.init(low: lo, high: hi)
    }

    /// Reverse-codes a response: `low + high - x`.
    @inline(__always)
    public func reversed(_ x: Double) -> Double { low + high - x }
}
