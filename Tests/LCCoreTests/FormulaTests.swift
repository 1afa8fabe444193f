import Testing
@testable import LCCore

struct FormulaTests {
    func names(_ f: Formula) -> [String] { f.fixed.labels }

    @Test func transferModelOfTheIssue() throws {
        let f = try Formula(parsing: "sharing ~ session + support + selfeff + support:selfeff + (1 + session | person) + (1 | community)")
        #expect(f.responseName == "sharing" && f.intercept)
        #expect(names(f) == ["session", "support", "selfeff", "support:selfeff"])
        #expect(f.random.map(\.groupName) == ["person", "community"])
        #expect(f.random[0].intercept && f.random[0].effects.labels == ["session"])
        #expect(f.random[1].intercept && f.random[1].effects.labels == [])
    }

    @Test func starExpandsAndInteractionsComeLast() throws {
        let f = try Formula(parsing: "y ~ a*b + c")
        #expect(names(f) == ["a", "b", "c", "a:b"])
        let g = try Formula(parsing: "y ~ a*b*c")
        #expect(names(g) == ["a", "b", "c", "a:b", "a:c", "b:c", "a:b:c"])
        let h = try Formula(parsing: "y ~ (a + b):c")
        #expect(names(h) == ["a:c", "b:c"])
    }

    @Test func interceptControl() throws {
        #expect(try Formula(parsing: "y ~ x - 1").intercept == false)
        #expect(try Formula(parsing: "y ~ 0 + x").intercept == false)
        #expect(try Formula(parsing: "y ~ 1").intercept == true)
        let r = try Formula(parsing: "y ~ x + (0 + x | g)")
        #expect(r.random[0].intercept == false && r.random[0].effects.labels == ["x"])
    }

    @Test func nestingAndInteractionGroupings() throws {
        let f = try Formula(parsing: "y ~ 1 + (1 | community/person)")
        #expect(f.random.map(\.groupName) == ["community", "person:community"])
        let g = try Formula(parsing: "y ~ 1 + (1 | community:person)")
        #expect(g.random.map(\.groupName) == ["community:person"])
    }

    @Test func derivedVariables() throws {
        let f = try Formula(parsing: "y ~ within(x, p) + between(x, p) + lag(y2, p, t) + center(z) + within(x, p):center(z)")
        #expect(names(f) == ["within(x, p)", "between(x, p)", "lag(y2, p, t)", "center(z)", "within(x, p):center(z)"])
        #expect(f.columns == ["y", "x", "p", "y2", "t", "z"])
    }

    @Test func malformedFormulasAreErrorsNotCrashes() throws {
        let bad = ["", "y", "~ x", "y ~", "y ~ x +", "y ~ (x", "y ~ x)", "y ~ 2", "y ~ (1 | )", "y ~ foo(x)",
                   "y ~ within(x)", "y ~ lag(x, g)", "y ~ x | g", "y ~ - (1 | g)", "y ~ ((1 | g) | h)",
                   "y ~ x + $", "y ~ 0"]
        for text in bad {
            #expect(throws: LCError.self, "\(text)") { try Formula(parsing: text) }
        }
        let deep = "y ~ " + String(repeating: "(", count: 10_000) + "x" + String(repeating: ")", count: 10_000)
        #expect(throws: LCError.self) { try Formula(parsing: deep) }
        // long sums are kept flat (no deep recursion when read, expanded or released)
        let many = "y ~ " + (1...100_000).map { "x\($0)" }.joined(separator: " + ") + " + (1 | g)"
        #expect(throws: LCError.self) { try Formula(parsing: many) }         // more than 1,000 terms
        let repeated = "y ~ " + [String](repeating: "x", count: 100_000).joined(separator: " + ") + " + (1 | g)"
        #expect(try Formula(parsing: repeated).fixed.labels == ["x"])
        let product = "y ~ " + [String](repeating: "a", count: 100_000).joined(separator: " * ")
        #expect(throws: LCError.self) { try Formula(parsing: product) }     // more than 64 operands in a row
    }
}

/// Derived variables and contrasts in the model frame.
struct ModelFrameTests {
    func data() throws -> Dataset {
        // person a: sessions 1,2,3; person b: sessions 1,3 (2 missing); x missing at b's session 3
        try Dataset(columns: [
            Column(name: "p", values: .labels(codes: [0, 0, 0, 1, 1], levels: ["a", "b"])),
            Column(name: "t", values: .numeric(.doubles([1, 2, 3, 1, 3]))),
            Column(name: "x", values: .numeric(.doubles([1, 2, 6, 4, .nan]))),
            Column(name: "team", values: .labels(codes: [1, 0, 2, 1, 0], levels: ["red", "blue", "green"])),
            Column(name: "y", values: .numeric(.doubles([1, 2, 3, 4, 5]))),
        ])
    }

    @Test func withinBetweenLagAndCenter() throws {
        let f = try ModelFrame(Formula(parsing: "y ~ 0 + within(x, p) + between(x, p) + lag(x, p, t) + center(x) + (1 | p)"), data: data())
        // between: person means over non-missing x (a: 3, b: 4); rows without a lag value are dropped
        // lag: a@2 -> 1, a@3 -> 2, b@3 -> missing occasion 2 -> NaN: rows a@2 and a@3 remain
        #expect(f.rows == [1, 2])
        #expect(f.droppedRows == 3)
        // on two rows only two of the four columns are independent: the others are dropped, as lme4 drops them
        #expect(f.xNames == ["within(x, p)", "between(x, p)"])
        #expect(f.droppedColumns == ["lag(x, p, t)", "center(x)"])
        let within: [Double] = [-1, 3], between: [Double] = [3, 3]
        #expect(f.x[0] == within)
        #expect(f.x[1] == between)
        // the derived variables on all rows
        var evaluator = VariableEvaluator(data: try data())
        let grand: Double = 13.0 / 4
        let lagged = try evaluator.numeric(.call("lag", [.init(.name("x")), .init(.name("p")), .init(.name("t"))]))
        let centered = try evaluator.numeric(.call("center", [.init(.name("x"))]))
        #expect(lagged[1] == 1 && lagged[2] == 2 && lagged[0].isNaN && lagged[3].isNaN && lagged[4].isNaN)
        #expect(Array(centered[0..<4]) == [1 - grand, 2 - grand, 6 - grand, 4 - grand])
    }

    @Test func treatmentContrastsWithTheFirstSortedLevelAsReference() throws {
        let f = try ModelFrame(Formula(parsing: "y ~ team + (1 | p)"), data: data())
        // levels sorted: blue (reference), green, red
        #expect(f.xNames == ["(Intercept)", "teamgreen", "teamred"])
        let green: [Double] = [0, 0, 1, 0, 0], red: [Double] = [0, 1, 0, 0, 1]  // rows: blue, red, green, blue, red
        #expect(f.x[1] == green)
        #expect(f.x[2] == red)
    }
}
