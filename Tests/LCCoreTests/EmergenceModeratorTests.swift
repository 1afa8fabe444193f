import Testing
@testable import LCCore

/// A moderator's value per group: one value per person however many sessions the person has.
struct EmergenceModeratorTests {
    // groups a (persons 1, 2, 3; person 1 twice), b (persons 4, 5), c (person 6)
    static let data = try! Dataset(columns: [
        Column(name: "g", values: .labels(codes: [0, 0, 0, 0, 1, 1, 2], levels: ["a", "b", "c"])),
        Column(name: "p", values: .integers([1, 1, 2, 3, 4, 5, 6])),
        Column(name: "x", values: .numeric(.doubles([1, 100, 2, 6, 5, 5, 7]))),
        Column(name: "role", values: .labels(codes: [0, 0, 1, 0, 1, 1, 0], levels: ["lead", "member"])),
        Column(name: "size", values: .numeric(.doubles([3, 3, 3, 3, 2, 2, .nan]))),
    ])

    func values(_ text: String) throws -> [Double] {
        let (group, labels) = try Grouping.codes(for: Self.data.column("g"))
        return try EmergenceModerator(parsing: text).groupValues(Self.data, group: group, groups: labels.count, person: "p")
    }

    @Test func perPersonStatistics() throws {
        // a: persons' first values 1, 2, 6 (person 1's second row, 100, is not counted again)
        let sd = try values("sd(x)")
        #expect(abs(sd[0] - 2.6457513110645907) < 1e-12)      // sd(c(1, 2, 6))
        #expect(sd[1] == 0 && sd[2].isNaN)                     // one person: no SD
        #expect(try values("mean(x)") == [3, 5, 7])
        let blau = try values("blau(role)")
        #expect(abs(blau[0] - (1 - (4.0 / 9 + 1.0 / 9))) < 1e-12 && blau[1] == 0 && blau[2] == 0)
        #expect(try values("size")[0...1] == [3, 2])
    }

    @Test func aColumnThatVariesWithinAGroupIsAnError() {
        #expect { try values("x") } throws: { ($0 as? LCError)?.message.contains("differs within a group (data rows 1 and 2)") == true }
        #expect { try EmergenceModerator(parsing: "sd(x") } throws: { ($0 as? LCError)?.message.contains("cannot read the moderator") == true }
    }
}
