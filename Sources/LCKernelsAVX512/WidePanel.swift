import LCKernels

/// The eight-lane kernels (`WideKernels`) compiled for AVX-512 (this target's `-mavx512f`).
/// Call only where `CPUFeatures.kernels` is `.wide`: elsewhere these instructions do not exist.
/// Same bits as `FusedPanel` and `FusedSymmetricPanelProduct`.
public enum WidePanel {
    public static func solve(_ panel: PackedPanel, blocks: Range<Int>) { panel.solveWide(blocks: blocks) }

    public static func subtractFromTrailing(_ panel: PackedPanel, tileRows first: Int, stride: Int) {
        panel.subtractFromTrailingWide(tileRows: first, stride: stride)
    }
}

public enum WideSymmetricPanelProduct {
    public static func multiply(_ z: UnsafePointer<Double>, stride: Int, rows: Int, columns: Int, _ b: UnsafePointer<Double>,
                                times p: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        SymmetricPanelProduct.multiplyWide(z, stride: stride, rows: rows, columns: columns, b, times: p, into: out)
    }

    public static func subtractTransposedProduct(_ b: UnsafePointer<Double>, _ y: UnsafePointer<Double>, rows: Int, from s: UnsafeMutablePointer<Double>) {
        SymmetricPanelProduct.subtractTransposedProductWide(b, y, rows: rows, from: s)
    }
}
