using NanoSecurity.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace NanoSecurity.Tests.Emulator
{
    /// <summary>
    /// The live view in a real terminal (tmux) of a fixed size: at 80×24 the compact layout shows
    /// the essentials whole (state, hub, the message list, the latest message with its flows); at
    /// 200×50 the full layout adds the collectors, the flow caches and the log.
    /// </summary>
    public sealed class HostEmulatorTerminalTests
    {
        private const int MaxCaptures = 240; // twice a second: two minutes at most for the first message

        private readonly ITestOutputHelper _output;

        public HostEmulatorTerminalTests(ITestOutputHelper output)
        {
            _output = output;
        }

        [TmuxTheory]
        [InlineData(80, 24, new[] { "Active", "hub embedded IoT-Hub-rules broker", "security messages", "latest: #", "ConnectionCreate", "TCP " })]
        [InlineData(200, 50, new[] { "module           Active", "collectors", "flow caches (this interval)", "security messages", "latest: message #", "bytes in", "TCP: sock_diag" })]
        public void TheLiveViewShowsTheEssentialsWholeAtThisSize(int width, int height, string[] expected)
        {
            using var tmux = new Tmux();
            string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is string host && File.Exists(host) ? host : "dotnet";
            tmux.Start(width, height, $"'{dotnet}' '{EmulatorRun.EmulatorDll}' --duration 60; sleep 600");

            string[] screen = Array.Empty<string>();
            for (int i = 0; i < MaxCaptures; i++)
            {
                screen = tmux.Capture();
                if (screen.Any(line => line.Contains("latest: ")) && screen.Any(line => line.Contains("valid")))
                {
                    break;
                }

                Thread.Sleep(500);
            }

            string text = string.Join("\n", screen);
            _output.WriteLine(text);
            foreach (string part in expected)
            {
                Assert.True(text.Contains(part), "'" + part + "' is not on the " + width + "×" + height + " screen:\n" + text);
            }

            // The view is whole: its first panel's top border and its last panel's bottom border are on screen.
            Assert.Contains(screen, line => line.StartsWith("╭─nanoSecurity"));
            Assert.StartsWith("╰", screen.Last(line => line.Trim().Length > 0));
        }
    }
}
