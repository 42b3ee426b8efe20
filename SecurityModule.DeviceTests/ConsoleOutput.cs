using System;

namespace NanoSecurity.DeviceTests
{
    /// <summary>Writes the driver's lines to the console (nanoCLR prints it on its standard output).</summary>
    internal sealed class ConsoleOutput : IDeviceTestOutput
    {
        public void WriteLine(string line)
        {
            Console.WriteLine(line);
        }
    }
}
