import Foundation
import LCForeign
import Testing
@testable import LCCore

/// SPSS and Stata files through ReadStat (issue 16.2): `Reference/climate.sav` (scripts/make-reference-sav.R,
/// haven::write_sav) holds the bundled climate data with the community as a labelled number and
/// the items as labelled numbers whose missing answers are the user-missing code -99.
struct ForeignFileTests {
    static func reference(_ name: String) throws -> String {
        let dir = try #require(Bundle.module.url(forResource: "Reference", withExtension: nil))
        return dir.appendingPathComponent(name).path
    }

    @Test func savGivesTheCSVNumbersAndGroupNames() throws {
        let sav = try ForeignFile.read(path: Self.reference("climate.sav"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let csv = try CSVReader.read(path: root.appendingPathComponent("examples/data/climate.csv").path)
        let spec = AgreementSpec(group: ["community"], items: ["lc1", "lc2", "lc3", "lc4", "lc5", "lc6"],
                                 scale: try ResponseScale(parsing: "1:5"), reverse: ["lc4"])
        let a = try Agreement.run(sav, spec), b = try Agreement.run(csv, spec)
        func same(_ x: [Double], _ y: [Double]) -> Bool { x.count == y.count && zip(x, y).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } }
        #expect(a.n == b.n && same(a.mean, b.mean) && same(a.sd, b.sd) && same(a.rwg, b.rwg) && same(a.adM, b.adM) && same(a.awg, b.awg))
        #expect(a.keys.map(\.values) == b.keys.map(\.values))        // the communities by name
        // -99 (user-missing) is missing; the labels name the communities but the values stay numbers
        guard case .numeric(let lc1) = try sav.column("lc1").values else { Issue.record("lc1 is not numeric"); return }
        #expect(!lc1.doubles.contains(-99) && lc1.doubles.contains { $0.isNaN })
        #expect(try sav.column("community").valueLabels[1] == "LC Antwerp")
    }

    /// The same data as a compressed SPSS file and a Stata file (scripts/make-reference-sav.R) and
    /// an SPSS portable file (scripts/make-reference-por.py: pyreadstat, as haven cannot write
    /// one; the format keeps names of up to 8 characters, upper case): the CSV's numbers and
    /// community names.
    @Test(arguments: [("climate.zsav", "community", "lc"), ("climate.dta", "community", "lc"), ("climate.por", "GROUP", "LC")])
    func otherFormatsGiveTheCSVNumbers(file: String, group: String, item: String) throws {
        let data = try ForeignFile.read(path: Self.reference(file))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let csv = try CSVReader.read(path: root.appendingPathComponent("examples/data/climate.csv").path)
        func spec(_ group: String, _ item: String) throws -> AgreementSpec {
            AgreementSpec(group: [group], items: (1...6).map { "\(item)\($0)" }, scale: try ResponseScale(parsing: "1:5"), reverse: ["\(item)4"])
        }
        let a = try Agreement.run(data, spec(group, item)), b = try Agreement.run(csv, spec("community", "lc"))
        func same(_ x: [Double], _ y: [Double]) -> Bool { x.count == y.count && zip(x, y).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } }
        #expect(a.n == b.n && same(a.mean, b.mean) && same(a.sd, b.sd) && same(a.rwg, b.rwg) && same(a.adM, b.adM) && same(a.awg, b.awg))
        #expect(a.keys.map(\.values) == b.keys.map(\.values))
    }

    /// factor() of a labelled number is a factor of its labels, levels in the order of the values
    /// (haven::as_factor), with a note: the model matrix is the CSV's, whose column holds the names.
    @Test func labelledNumbersAreFactorsOfTheirLabels() throws {
        let sav = try ForeignFile.read(path: Self.reference("climate.sav"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let csv = try CSVReader.read(path: root.appendingPathComponent("examples/data/climate.csv").path)
        let formula = try Formula(parsing: "lgo ~ factor(community) + (1 | session)")
        let a = try ModelFrame(formula, data: sav), b = try ModelFrame(formula, data: csv)
        #expect(a.xNames == b.xNames && a.xNames.contains("factor(community)LC Utrecht"))
        #expect(a.x == b.x)
        #expect(a.notes.contains { $0.contains("value labels of 'community'") })
    }

    @Test func namesWhatIsWrong() throws {
        #expect { try ForeignFile.read(path: Self.reference("climate.sav"), columns: ["nothere"]) }
            throws: { ($0 as? LCError)?.code == .unknownColumn }
        #expect { try ForeignFile.read(path: "/nonexistent/survey.sav") } throws: { ($0 as? LCError)?.code == .io }
        #expect(ForeignFile.handles("x.SAV") && ForeignFile.handles("y.dta") && !ForeignFile.handles("z.csv"))
    }
}
