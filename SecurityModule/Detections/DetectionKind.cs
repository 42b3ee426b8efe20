#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>The detections, with the names written as <c>ExtraDetails.Detection</c>.</summary>
    internal static class DetectionKind
    {
        internal const int DeniedRemoteAddress = 0;
        internal const int NotAllowedRemoteAddress = 1;
        internal const int ActiveConnectionsOutOfRange = 2;
        internal const int UnexpectedListeningPort = 3;
        internal const int PortScan = 4;

        // Not Enum.ToString(): nanoFramework's gives the number.
        internal static string NameOf(int kind)
        {
            switch (kind)
            {
                case DeniedRemoteAddress:
                    return "DeniedRemoteAddress";
                case NotAllowedRemoteAddress:
                    return "NotAllowedRemoteAddress";
                case ActiveConnectionsOutOfRange:
                    return "ActiveConnectionsOutOfRange";
                case UnexpectedListeningPort:
                    return "UnexpectedListeningPort";
                default:
                    return "PortScan";
            }
        }
    }
}
#endif
