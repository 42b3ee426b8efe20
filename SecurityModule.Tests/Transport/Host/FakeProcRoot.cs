namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>A temporary directory shaped like /proc (net/tcp, net/tcp6, …), deleted on Dispose.</summary>
    internal sealed class FakeProcRoot : IDisposable
    {
        public const string Tcp4Header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        public const string Tcp6Header = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

        public FakeProcRoot()
        {
            Path = Directory.CreateTempSubdirectory("nanosecurity-proc-").FullName;
            Directory.CreateDirectory(System.IO.Path.Combine(Path, "net"));
        }

        public string Path { get; }

        /// <summary>Writes net/{name} (tcp, tcp6, udp, udp6) with a header and the given socket lines.</summary>
        public FakeProcRoot With(string name, params string[] lines)
        {
            string header = name.EndsWith('6') ? Tcp6Header : Tcp4Header;
            File.WriteAllText(System.IO.Path.Combine(Path, "net", name), header + string.Concat(lines.Select(l => l + "\n")));
            return this;
        }

        /// <summary>A socket line as the kernel prints it, for the given slot, endpoints ("ADDR:PORT" in hex) and state.</summary>
        public static string Line(int slot, string local, string remote, string state, ulong inode = 1000)
        {
            return $"{slot,4}: {local} {remote} {state} 00000000:00000000 00:00000000 00000000  1000        0 {inode} 1 0000000000000000 20 4 30 10 -1";
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
