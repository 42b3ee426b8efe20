using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using NanoSecurity.Host;
using Xunit;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>HostSystemInformation on this machine and on fake /etc and /proc files.</summary>
    public sealed class HostSystemInformationTests
    {
        [Fact]
        public void EveryFieldIsFilledOnThisMachine()
        {
            var information = Read(new HostSystemInformation());

            Assert.False(string.IsNullOrWhiteSpace(information.OsName));
            Assert.False(string.IsNullOrWhiteSpace(information.OsVersion));
            Assert.Equal(RuntimeInformation.OSArchitecture.ToString(), information.Architecture);
            Assert.Equal(Environment.MachineName, information.HostName);
            Assert.Equal(RuntimeInformation.FrameworkDescription, information.FirmwareVersion);
            Assert.StartsWith(".NET", information.FirmwareVersion);
            Assert.True(information.TotalMemoryKB > 0, $"total memory {information.TotalMemoryKB} KB");
            if (OperatingSystem.IsLinux())
            {
                Assert.InRange(information.FreeMemoryKB, 0, information.TotalMemoryKB);
            }
        }

        [Fact]
        public void OnLinuxTheNameIsTheDistributionsAndTheVersionTheKernels()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            var information = Read(new HostSystemInformation());

            string prettyName = HostSystemInformation.ReadOsReleasePrettyName("/etc/os-release");
            Assert.Equal(prettyName ?? RuntimeInformation.OSDescription, information.OsName);
            Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), information.OsVersion);
        }

        [Fact]
        public void InterfacesAreWellFormedAndNeverLoopback()
        {
            var information = Read(new HostSystemInformation());

            // A sandbox may have nothing but loopback: then there is no interface to report.
            Assert.InRange(information.InterfaceCount, 0, SystemInformation.MaxInterfaces);
            for (int i = 0; i < information.InterfaceCount; i++)
            {
                NetworkInterfaceInformation nic = information.Interfaces[i];
                Assert.True(Enum.TryParse(nic.Type, out System.Net.NetworkInformation.NetworkInterfaceType type), nic.Type);
                Assert.NotEqual(System.Net.NetworkInformation.NetworkInterfaceType.Loopback, type);
                if (nic.MacAddress != null)
                {
                    Assert.Matches(new Regex("^[0-9a-f]{2}(:[0-9a-f]{2})*$"), nic.MacAddress);
                }

                if (nic.Ipv4Address != null)
                {
                    Assert.Equal(AddressFamily.InterNetwork, IPAddress.Parse(nic.Ipv4Address).AddressFamily);
                }

                if (nic.Ipv6Address != null)
                {
                    Assert.DoesNotContain("%", nic.Ipv6Address);
                    Assert.Equal(AddressFamily.InterNetworkV6, IPAddress.Parse(nic.Ipv6Address).AddressFamily);
                }
            }

            for (int i = information.InterfaceCount; i < SystemInformation.MaxInterfaces; i++)
            {
                Assert.Null(information.Interfaces[i].Type);
            }
        }

        [Fact]
        public void TheFakeFilesAreReadAndQuotesRemoved()
        {
            using var root = new FakeRoots();
            root.Write("etc/os-release", "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\n");
            root.Write("proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
            root.Write("proc/meminfo", "MemTotal:        8049464 kB\nMemFree:          512000 kB\nMemAvailable:    4021000 kB\nBuffers:          100 kB\n");

            var information = Read(new HostSystemInformation(root.Etc, root.Proc, isLinux: true));

            Assert.Equal("Debian GNU/Linux 12 (bookworm)", information.OsName);
            Assert.Equal("6.1.0-18-amd64", information.OsVersion);
            Assert.Equal(8049464, information.TotalMemoryKB);
            Assert.Equal(4021000, information.FreeMemoryKB);
        }

        [Fact]
        public void MissingFilesFallBackToWhatDotNetKnows()
        {
            using var root = new FakeRoots();

            var information = Read(new HostSystemInformation(root.Etc, root.Proc, isLinux: true));

            Assert.Equal(RuntimeInformation.OSDescription, information.OsName);
            Assert.Equal(Environment.OSVersion.Version.ToString(), information.OsVersion);
            Assert.Equal(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024, information.TotalMemoryKB);
            Assert.Equal(-1, information.FreeMemoryKB);
        }

        [Fact]
        public void ElsewhereProcIsNotRead()
        {
            using var root = new FakeRoots();
            root.Write("etc/os-release", "PRETTY_NAME=Should not be read\n");
            root.Write("proc/meminfo", "MemTotal: 1 kB\nMemAvailable: 1 kB\n");

            var information = Read(new HostSystemInformation(root.Etc, root.Proc, isLinux: false));

            Assert.Equal(RuntimeInformation.OSDescription, information.OsName);
            Assert.Equal(-1, information.FreeMemoryKB);
            Assert.NotEqual(1, information.TotalMemoryKB);
        }

        [Theory]
        [InlineData("PRETTY_NAME=\"Ubuntu 24.04.1 LTS\"", "Ubuntu 24.04.1 LTS")]
        [InlineData("PRETTY_NAME='Alpine Linux v3.20'", "Alpine Linux v3.20")]
        [InlineData("PRETTY_NAME=Fedora", "Fedora")]
        [InlineData("  PRETTY_NAME=\"Spaced\"  ", "Spaced")]
        [InlineData("PRETTY_NAME=\"\"", null)]
        [InlineData("NAME=\"No pretty name\"", null)]
        public void PrettyNameIsTheOsReleaseValue(string line, string expected)
        {
            using var root = new FakeRoots();
            root.Write("etc/os-release", "ID=x\n" + line + "\n");

            Assert.Equal(expected, HostSystemInformation.ReadOsReleasePrettyName(Path.Combine(root.Etc, "os-release")));
        }

        [Fact]
        public void MemInfoPrefersAvailableAndFallsBackToFree()
        {
            Assert.Equal((2048L, 1024L), HostSystemInformation.ParseMemInfo("MemTotal: 2048 kB\nMemFree: 512 kB\nMemAvailable: 1024 kB\n"));
            Assert.Equal((2048L, 512L), HostSystemInformation.ParseMemInfo("MemTotal: 2048 kB\nMemFree: 512 kB\n"));
            Assert.Equal((-1L, -1L), HostSystemInformation.ParseMemInfo("garbage\nMemTotal: lots\nMemFree:\n"));
        }

        [Fact]
        public void MacAddressesAreLowercasePairsAndNoneIsNull()
        {
            Assert.Equal("02:fc:00:0a:bb:01", HostSystemInformation.FormatMac(new byte[] { 0x02, 0xFC, 0x00, 0x0A, 0xBB, 0x01 }));
            Assert.Null(HostSystemInformation.FormatMac(new byte[6]));
            Assert.Null(HostSystemInformation.FormatMac(Array.Empty<byte>()));
        }

        [Fact]
        public void TheModuleReportsItAsAValidSystemInformationEvent()
        {
            var h = new ModuleHarness(systemInformation: new HostSystemInformation());
            h.StartEngine();

            h.RunFirstCollection();

            // The heartbeat is an empty SystemInformation event too: take the one with a payload.
            JsonElement item = h.Sink.Events
                .Where(e => e.GetProperty("Name").GetString() == "SystemInformation")
                .SelectMany(e => e.GetProperty("Payload").EnumerateArray())
                .Single();
            Assert.Equal(Environment.MachineName, item.GetProperty("HostName").GetString());
            Assert.True(item.GetProperty("TotalPhysicalMemoryInKB").GetInt64() > 0);
            Assert.Equal(RuntimeInformation.FrameworkDescription, item.GetProperty("ExtraDetails").GetProperty("FirmwareVersion").GetString());
        }

        [Fact]
        public void ReadChecksItsArgument()
        {
            Assert.Throws<ArgumentNullException>(() => new HostSystemInformation().Read(null));
        }

        private static SystemInformation Read(HostSystemInformation source)
        {
            var information = new SystemInformation();
            source.Read(information);
            return information;
        }

        /// <summary>Temporary etc/ and proc/ directories.</summary>
        private sealed class FakeRoots : IDisposable
        {
            private readonly string _root = Directory.CreateTempSubdirectory("nanosecurity-sysinfo-").FullName;

            public string Etc => Path.Combine(_root, "etc");

            public string Proc => Path.Combine(_root, "proc");

            public void Write(string relativePath, string content)
            {
                string path = Path.Combine(_root, relativePath);
                Directory.CreateDirectory(Path.GetDirectoryName(path));
                File.WriteAllText(path, content);
            }

            public void Dispose() => Directory.Delete(_root, recursive: true);
        }
    }
}
