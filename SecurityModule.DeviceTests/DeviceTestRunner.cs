using System;

namespace NanoSecurity.DeviceTests
{
    /// <summary>
    /// Runs every group of checks, one after the other, and prints <c>PASS name</c> or
    /// <c>FAIL name: …</c> for each, <c>TIME name …</c> for the timings, then
    /// <c>N passed, M failed</c> and <see cref="Sentinel"/>.
    /// </summary>
    public static class DeviceTestRunner
    {
        /// <summary>The last line of a complete run: a run cut short never prints it.</summary>
        public const string Sentinel = "DEVICE-TESTS-COMPLETE";

        /// <summary>Runs the checks, then the timings.</summary>
        /// <param name="output">Where the lines go.</param>
        /// <returns>The number of failed checks.</returns>
        public static int Run(IDeviceTestOutput output)
        {
            return Run(output, true);
        }

        /// <summary>Runs the checks and, when asked, the timings.</summary>
        /// <param name="output">Where the lines go.</param>
        /// <param name="timings">False to skip the timings (they check nothing).</param>
        /// <returns>The number of failed checks.</returns>
        public static int Run(IDeviceTestOutput output, bool timings)
        {
            var check = new Check(output);
            for (int group = 0; group < GroupCount; group++)
            {
                string name = GroupName(group);
                check.Group = name;
                try
                {
                    RunGroup(group, check);
                }
                catch (Exception e)
                {
                    // A check that throws must not hide the ones after it.
                    check.Fail("threw " + e.GetType().FullName + ": " + e.Message);
                }
            }

            if (timings)
            {
                check.Group = "timings";
                try
                {
                    Timings.Run(check);
                }
                catch (Exception e)
                {
                    check.Fail("threw " + e.GetType().FullName + ": " + e.Message);
                }
            }

            output.WriteLine(check.Passed.ToString() + " passed, " + check.Failed.ToString() + " failed");
            output.WriteLine(Sentinel);
            return check.Failed;
        }

        private const int GroupCount = 9;

        private static string GroupName(int group)
        {
            switch (group)
            {
                case 0: return "numbers";
                case 1: return "time";
                case 2: return "strings";
                case 3: return "crypto";
                case 4: return "mqtt";
                case 5: return "caches";
                case 6: return "twin";
                case 7: return "messages";
                default: return "threads";
            }
        }

        private static void RunGroup(int group, Check check)
        {
            switch (group)
            {
                case 0: NumberChecks.Run(check); break;
                case 1: TimeChecks.Run(check); break;
                case 2: StringChecks.Run(check); break;
                case 3: CryptoChecks.Run(check); break;
                case 4: MqttChecks.Run(check); break;
                case 5: CacheChecks.Run(check); break;
                case 6: TwinChecks.Run(check); break;
                case 7: MessageChecks.Run(check); break;
                default: ThreadChecks.Run(check); break;
            }
        }
    }
}
