#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Optional: lets the firmware act on an edge detection (close a socket, raise an alarm).
    /// </summary>
    /// <remarks>
    /// Called on the module's driving thread as the detection's Diagnostic event is written,
    /// never on the packet path; return quickly. An exception thrown here is ignored.
    /// Detections held back by the rate limit are not seen here either.
    /// </remarks>
    public interface IDetectionObserver
    {
        /// <summary>Sees one detection.</summary>
        /// <param name="report">What was detected, as in the event's ExtraDetails.</param>
        void OnDetection(DetectionReport report);
    }
}
#endif
