import Testing
@testable import LCCore

struct FormulaTests {
    func names(_ f: Formula) -> [String] { f.fixed.map(\.description) }

    @Test func transferModelOfTheIssue() throws {
        let f = try Formula(parsing: "sharing ~ session + support + selfeff + support:selfeff + (1 + session | person) + (1 | community)")
        #expect(f.response == "sharing" && f.intercept)
        #expect(names(f) == ["session", "support", "selfeff", "support:selfeff"])
        #expect(f.random.map(\.groupName) == ["person", "community"])
        #expect(f.random[0].effectNames == ["(Intercept)", "session"])
        #expect(f.random[1].effectNames == ["(Intercept)"])
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
        #expect(r.random[0].intercept == false && r.random[0].effectNames == ["x"])
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

    @Test func malformedFormulasAreErrorsNotCrashes() {
        let bad = ["", "y", "~ x", "y ~", "y ~ x +", "y ~ (x", "y ~ x)", "y ~ 2", "y ~ (1 | )", "y ~ foo(x)",
                   "y ~ within(x)", "y ~ lag(x, g)", "y ~ x | g", "y ~ - (1 | g)", "y ~ ((1 | g) | h)",
                   "y ~ x + $", "y ~ 0"]
        for text in bad {
            #expect(throws: LCError.self, "\(text)") { try Formula(parsing: text) }
        }
        let deep = "y ~ " + String(repeating: "(", count: 10_000) + "x" + String(repeating: ")", count: 10_000)
        #expect(throws: LCError.self) { try Formula(parsing: deep) }
    }
}
