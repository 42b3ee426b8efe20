namespace NanoSecurity.DeviceTests
{
    /// <summary>Entry point on nanoCLR.</summary>
    public static class Program
    {
        /// <summary>Runs every check and prints the results.</summary>
        /// <returns>The number of failed checks (nanoCLR's harness ignores it; the printed counts are what to trust).</returns>
        public static int Main()
        {
            return DeviceTestRunner.Run(new ConsoleOutput());
        }
    }
}
