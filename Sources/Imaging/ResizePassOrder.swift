/// Which of the two separable passes Pillow runs first when both width and height change.
/// The intermediate image is rounded to bytes, so the order can change results by ±1.
public enum ResizePassOrder: Sendable {
    /// Pillow 13 (python-pillow/Pillow#9549): vertical pass first iff the height shrinks and
    /// shrinks by more than twice as many pixels as the width does:
    /// `inH > outH && (inH - outH) > 2 * (inW - outW)`. Horizontal first otherwise.
    case pillow13
    /// Pillow up to 12.1 (including 11.x): always horizontal first (Resample.c
    /// `ImagingResampleInner`).
    case pillow11

    /// Whether a resize from `inputWidth`×`inputHeight` to `outputWidth`×`outputHeight` runs
    /// the vertical pass before the horizontal one. Only meaningful when both sizes change.
    public func verticalPassFirst(
        inputWidth: Int, inputHeight: Int, outputWidth: Int, outputHeight: Int
    ) -> Bool {
        switch self {
        case .pillow11:
            return false
        case .pillow13:
            return inputHeight > outputHeight
                && (inputHeight - outputHeight) > 2 * (inputWidth - outputWidth)
        }
    }
}
