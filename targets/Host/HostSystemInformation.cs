using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace NanoSecurity.Host
{
    /// <summary>
    /// <see cref="ISystemInformationSource"/> for a PC: the operating system, the machine and its
    /// network interfaces, as .NET and (on Linux) procfs report them.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item><description>OS name: on Linux the distribution's <c>PRETTY_NAME</c> from
    /// <c>/etc/os-release</c> (e.g. "Debian GNU/Linux 12 (bookworm)"); elsewhere, or when that is
    /// unreadable, <see cref="RuntimeInformation.OSDescription"/>.</description></item>
    /// <item><description>OS version: on Linux the kernel release (<c>/proc/sys/kernel/osrelease</c>);
    /// elsewhere <see cref="Environment.OSVersion"/>'s version.</description></item>
    /// <item><description>Architecture: <see cref="RuntimeInformation.OSArchitecture"/> ("X64", "Arm64"…).</description></item>
    /// <item><description>Host name: <see cref="Environment.MachineName"/>.</description></item>
    /// <item><description>Memory: on Linux <c>MemTotal</c> and <c>MemAvailable</c> of
    /// <c>/proc/meminfo</c> (the host's, even in a container); elsewhere the total is what the GC
    /// may use (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>, which honours container
    /// limits) and free memory is not reported.</description></item>
    /// <item><description>Firmware version: the .NET runtime (<see cref="RuntimeInformation.FrameworkDescription"/>).</description></item>
    /// <item><description>Network interfaces: up to <see cref="SystemInformation.MaxInterfaces"/>,
    /// loopback left out, interfaces that are up first; type is the <see cref="NetworkInterfaceType"/>
    /// name, MAC as <c>aa:bb:cc:dd:ee:ff</c>, then the first IPv4 and the first IPv6 unicast address
    /// (a global one before a link-local one, without its scope).</description></item>
    /// </list>
    /// Names and versions are read once, at construction; memory and interfaces on every
    /// <see cref="Read"/>.
    /// </remarks>
    public sealed class HostSystemInformation : ISystemInformationSource
    {
        private readonly string _procRoot;
        private readonly bool _isLinux;
        private readonly string _osName;
        private readonly string _osVersion;
        private readonly string _architecture;
        private readonly string _hostName;
        private readonly string _firmwareVersion;

        /// <summary>Reads the facts that do not change while the process runs.</summary>
        public HostSystemInformation()
            : this("/etc", "/proc", RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
        }

        /// <summary>Reads from other roots (the tests' fake files).</summary>
        internal HostSystemInformation(string etcRoot, string procRoot, bool isLinux)
        {
            _procRoot = procRoot;
            _isLinux = isLinux;
            string? prettyName = isLinux ? ReadOsReleasePrettyName(Path.Combine(etcRoot, "os-release")) : null;
            _osName = prettyName ?? RuntimeInformation.OSDescription;
            string? kernel = isLinux ? ReadFirstLine(Path.Combine(procRoot, "sys", "kernel", "osrelease")) : null;
            _osVersion = kernel ?? Environment.OSVersion.Version.ToString();
            _architecture = RuntimeInformation.OSArchitecture.ToString();
            _hostName = Environment.MachineName;
            _firmwareVersion = RuntimeInformation.FrameworkDescription;
        }

        /// <inheritdoc />
        public void Read(SystemInformation information)
        {
            if (information == null)
            {
                throw new ArgumentNullException(nameof(information));
            }

            information.OsName = _osName;
            information.OsVersion = _osVersion;
            information.Architecture = _architecture;
            information.HostName = _hostName;
            information.FirmwareVersion = _firmwareVersion;
            ReadMemory(information);
            ReadInterfaces(information);
        }

        /// <summary>
        /// The <c>PRETTY_NAME</c> of an os-release file (shell-style <c>KEY=value</c>, the value
        /// optionally quoted); null when the file or the key is missing.
        /// </summary>
        internal static string? ReadOsReleasePrettyName(string path)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }

            foreach (string raw in lines)
            {
                string line = raw.Trim();
                if (!line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                {
                    continue;
                }

                string value = line.Substring("PRETTY_NAME=".Length).Trim();
                if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[value.Length - 1] == value[0])
                {
                    value = value.Substring(1, value.Length - 2);
                }

                return value.Length == 0 ? null : value;
            }

            return null;
        }

        /// <summary>
        /// Total and available memory in KB from /proc/meminfo content (<c>MemTotal</c>, and
        /// <c>MemAvailable</c> or, on kernels before 3.14, <c>MemFree</c>); -1 for what is missing.
        /// </summary>
        internal static (long TotalKB, long FreeKB) ParseMemInfo(string content)
        {
            long total = -1;
            long available = -1;
            long free = -1;
            foreach (string line in content.Split('\n'))
            {
                int colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    continue;
                }

                string key = line.Substring(0, colon);
                string[] parts = line.Substring(colon + 1).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 0 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long value))
                {
                    continue;
                }

                // The kernel says "kB" and means KiB.
                if (parts.Length > 1 && !string.Equals(parts[1], "kB", StringComparison.Ordinal))
                {
                    continue;
                }

                switch (key)
                {
                    case "MemTotal":
                        total = value;
                        break;
                    case "MemAvailable":
                        available = value;
                        break;
                    case "MemFree":
                        free = value;
                        break;
                }
            }

            return (total, available >= 0 ? available : free);
        }

        /// <summary>MAC address as lowercase hex pairs separated by colons; null when the interface has none (all zeros or empty).</summary>
        internal static string? FormatMac(byte[] bytes)
        {
            if (bytes.Length == 0 || bytes.All(b => b == 0))
            {
                return null;
            }

            return string.Join(":", bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        }

        private void ReadMemory(SystemInformation information)
        {
            if (_isLinux)
            {
                string? content = ReadAll(Path.Combine(_procRoot, "meminfo"));
                if (content != null)
                {
                    (long total, long free) = ParseMemInfo(content);
                    if (total > 0)
                    {
                        information.TotalMemoryKB = total;
                        information.FreeMemoryKB = free;
                        return;
                    }
                }
            }

            long bytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            information.TotalMemoryKB = bytes > 0 ? bytes / 1024 : -1;
            information.FreeMemoryKB = -1;
        }

        private static void ReadInterfaces(SystemInformation information)
        {
            NetworkInterface[] all;
            try
            {
                all = NetworkInterface.GetAllNetworkInterfaces();
            }
            catch (NetworkInformationException)
            {
                information.InterfaceCount = 0;
                return;
            }

            // OrderBy is stable: interfaces keep the system's order within "up" and "not up".
            IEnumerable<NetworkInterface> reported = all
                .Where(nic => nic.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                .OrderBy(nic => nic.OperationalStatus == OperationalStatus.Up ? 0 : 1)
                .Take(SystemInformation.MaxInterfaces);

            int count = 0;
            foreach (NetworkInterface nic in reported)
            {
                NetworkInterfaceInformation target = information.Interfaces[count++];
                target.Type = nic.NetworkInterfaceType.ToString();
                target.MacAddress = SafeMac(nic);
                ReadAddresses(nic, target);
            }

            information.InterfaceCount = count;
        }

        private static string? SafeMac(NetworkInterface nic)
        {
            try
            {
                return FormatMac(nic.GetPhysicalAddress().GetAddressBytes());
            }
            catch (NetworkInformationException)
            {
                return null;
            }
        }

        private static void ReadAddresses(NetworkInterface nic, NetworkInterfaceInformation target)
        {
            UnicastIPAddressInformationCollection unicast;
            try
            {
                unicast = nic.GetIPProperties().UnicastAddresses;
            }
            catch (NetworkInformationException)
            {
                return;
            }

            IPAddress? ipv6LinkLocal = null;
            foreach (UnicastIPAddressInformation address in unicast)
            {
                IPAddress ip = address.Address;
                if (ip.AddressFamily == AddressFamily.InterNetwork)
                {
                    target.Ipv4Address ??= ip.ToString();
                }
                else if (ip.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    if (ip.IsIPv6LinkLocal)
                    {
                        ipv6LinkLocal ??= ip;
                    }
                    else
                    {
                        target.Ipv6Address ??= WithoutScope(ip);
                    }
                }
            }

            if (target.Ipv6Address == null && ipv6LinkLocal != null)
            {
                target.Ipv6Address = WithoutScope(ipv6LinkLocal);
            }
        }

        /// <summary>RFC 5952 text of the address, without a <c>%scope</c> suffix.</summary>
        private static string WithoutScope(IPAddress address)
        {
            return new IPAddress(address.GetAddressBytes()).ToString();
        }

        private static string? ReadFirstLine(string path)
        {
            string? content = ReadAll(path);
            if (content == null)
            {
                return null;
            }

            string line = content.Split('\n')[0].Trim();
            return line.Length == 0 ? null : line;
        }

        private static string? ReadAll(string path)
        {
            try
            {
                return File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
