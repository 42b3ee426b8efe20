namespace NanoSecurity
{
    /// <summary>
    /// Direction of a packet as seen from this device.
    /// </summary>
    public enum FlowDirection : byte
    {
        /// <summary>Received by the device: counted as bytes in.</summary>
        In = 0,

        /// <summary>Sent by the device: counted as bytes out.</summary>
        Out = 1,
    }
}
