import LCKernels

/// `PackedPanel`'s kernels compiled for AVX2 with fused multiply-adds (this target's
/// `-mavx2 -mfma`). Call only where `CPUFeatures.avx2FMA` holds: elsewhere these
/// instructions do not exist.
public enum FusedPanel {
    public static func solve(_ panel: PackedPanel, blocks: Range<Int>) { panel.solve(blocks: blocks, FusedMultiplyAdd.self) }

    public static func subtractFromTrailing(_ panel: PackedPanel, tileRows first: Int, stride: Int) {
        panel.subtractFromTrailing(tileRows: first, stride: stride, FusedMultiplyAdd.self)
    }
}

/// `SymmetricPanelProduct` compiled for AVX2 with fused multiply-adds (call only where
/// `CPUFeatures.avx2FMA` holds).
public enum FusedSymmetricPanelProduct {
    public static func multiply(_ z: UnsafePointer<Double>, stride: Int, rows: Int, columns: Int, _ b: UnsafePointer<Double>,
                                times p: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        SymmetricPanelProduct.multiply(z, stride: stride, rows: rows, columns: columns, b, times: p, into: out, FusedMultiplyAdd.self)
    }

    public static func subtractTransposedProduct(_ b: UnsafePointer<Double>, _ y: UnsafePointer<Double>, rows: Int, from s: UnsafeMutablePointer<Double>) {
        SymmetricPanelProduct.subtractTransposedProduct(b, y, rows: rows, from: s, FusedMultiplyAdd.self)
    }
}
