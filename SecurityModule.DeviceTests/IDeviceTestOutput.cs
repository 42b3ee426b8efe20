namespace NanoSecurity.DeviceTests
{
    /// <summary>Where the driver writes its lines: the console on nanoCLR, a list in the .NET test.</summary>
    public interface IDeviceTestOutput
    {
        /// <summary>Writes one line.</summary>
        /// <param name="line">The line, without a line break.</param>
        void WriteLine(string line);
    }
}
