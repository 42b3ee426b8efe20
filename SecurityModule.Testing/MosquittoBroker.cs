using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;

namespace NanoSecurity.Testing
{
    /// <summary>
    /// A real mosquitto 2 broker run as a child process on 127.0.0.1, plain or TLS, with
    /// persistence so that a persistent session's queued QoS 1 messages survive
    /// <see cref="Stop"/>/<see cref="Start"/> on the same port. Anonymous clients are allowed.
    /// Its log is captured and included in failure messages (<see cref="Log"/>).
    /// </summary>
    /// <remarks>
    /// The process is stopped by its own pid only (SIGTERM, so that it saves its persistence
    /// database, then a kill if it does not exit). Everything lives in a private temporary folder,
    /// deleted on Dispose.
    /// </remarks>
    public sealed class MosquittoBroker : IDisposable
    {
        private const int MaxLogLines = 2000;
        private const int BindAttempts = 5;

        private readonly MosquittoBrokerOptions _options;
        private readonly string _executable;
        private readonly string _workDirectory;
        private readonly TestCertificates? _ownedCertificates;
        private readonly Queue<string> _log = new Queue<string>();
        private readonly object _lock = new object();
        private Process? _process;
        private bool _disposed;

        /// <summary>Prepares a broker; call <see cref="Start"/> (or use <see cref="StartNew"/>).</summary>
        /// <param name="options">TLS, port, executable; null for plain MQTT on a free port.</param>
        /// <exception cref="InvalidOperationException">mosquitto is not installed; the message says how to install it.</exception>
        public MosquittoBroker(MosquittoBrokerOptions? options = null)
        {
            _options = options ?? new MosquittoBrokerOptions();
            _executable = _options.ExecutablePath ?? FindExecutable();
            _workDirectory = Directory.CreateTempSubdirectory("nanosecurity-mosquitto-").FullName;
            if (!OperatingSystem.IsWindows())
            {
                // mosquitto may run as another user (see StartProcess); it writes its database here.
                File.SetUnixFileMode(_workDirectory, (UnixFileMode)0x1FF);
            }

            if (_options.UseTls)
            {
                Certificates = _options.Certificates;
                if (Certificates == null)
                {
                    _ownedCertificates = TestCertificates.Create(Path.Combine(_workDirectory, "certs"));
                    Certificates = _ownedCertificates;
                }
            }

            Port = _options.Port;
        }

        /// <summary>The address the broker listens on: always "127.0.0.1".</summary>
        public string Host => "127.0.0.1";

        /// <summary>The port; fixed by the first <see cref="Start"/> and kept across restarts.</summary>
        public int Port { get; private set; }

        /// <summary>Whether the listener uses TLS.</summary>
        public bool UseTls => _options.UseTls;

        /// <summary>The certificates of the TLS listener (its CA is what clients trust); null for plain MQTT.</summary>
        public TestCertificates? Certificates { get; }

        /// <summary>Whether the mosquitto process is running.</summary>
        public bool IsRunning
        {
            get
            {
                lock (_lock)
                {
                    return _process != null && !_process.HasExited;
                }
            }
        }

        /// <summary>The pid of the running process; null when stopped.</summary>
        public int? ProcessId
        {
            get
            {
                lock (_lock)
                {
                    return _process?.Id;
                }
            }
        }

        /// <summary>Path of the generated mosquitto.conf.</summary>
        public string ConfigFile => Path.Combine(_workDirectory, "mosquitto.conf");

        /// <summary>The last lines mosquitto logged (all runs), for failure messages.</summary>
        public string Log
        {
            get
            {
                lock (_log)
                {
                    return string.Join(Environment.NewLine, _log);
                }
            }
        }

        /// <summary>Creates and starts a broker.</summary>
        /// <param name="options">TLS, port, executable; null for plain MQTT on a free port.</param>
        /// <returns>The running broker.</returns>
        public static MosquittoBroker StartNew(MosquittoBrokerOptions? options = null)
        {
            var broker = new MosquittoBroker(options);
            try
            {
                broker.Start();
                return broker;
            }
            catch
            {
                broker.Dispose();
                throw;
            }
        }

        /// <summary>Why there is no mosquitto to run, and how to install it.</summary>
        public const string NotInstalledMessage =
            "mosquitto is not installed (neither /usr/sbin/mosquitto nor on PATH). "
            + "Install it with 'apt-get install -y mosquitto' (as root), or run 'bash .ci/run', which installs it.";

        /// <summary>Whether <see cref="FindExecutable"/> finds mosquitto here.</summary>
        public static bool IsInstalled => TryFindExecutable() != null;

        /// <summary>Finds mosquitto: /usr/sbin/mosquitto (Debian's package), then PATH.</summary>
        /// <returns>The executable's path.</returns>
        /// <exception cref="InvalidOperationException">Not installed; the message says how to install it (<see cref="NotInstalledMessage"/>).</exception>
        public static string FindExecutable() =>
            TryFindExecutable() ?? throw new InvalidOperationException(NotInstalledMessage);

        private static string? TryFindExecutable()
        {
            const string debian = "/usr/sbin/mosquitto";
            if (File.Exists(debian))
            {
                return debian;
            }

            string path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
            foreach (string folder in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                foreach (string name in new[] { "mosquitto", "mosquitto.exe" })
                {
                    string candidate = Path.Combine(folder, name);
                    if (File.Exists(candidate))
                    {
                        return candidate;
                    }
                }
            }

            return null;
        }

        /// <summary>
        /// Starts mosquitto and waits until the port accepts connections. The first start picks the
        /// port (unless the options fixed one); later starts reuse it, so clients reconnect to the same place.
        /// </summary>
        /// <exception cref="InvalidOperationException">Already running, or mosquitto failed to start (the message holds its log).</exception>
        public void Start()
        {
            lock (_lock)
            {
                ThrowIfDisposed();
                if (_process != null && !_process.HasExited)
                {
                    throw new InvalidOperationException("mosquitto is already running.");
                }

                bool pickPort = Port == 0;
                for (int attempt = 1; ; attempt++)
                {
                    if (pickPort)
                    {
                        Port = LoopbackPorts.GetFree();
                    }

                    WriteConfig();
                    Process process = StartProcess();
                    string? failure = WaitUntilListening(process);
                    if (failure == null)
                    {
                        _process = process;
                        return;
                    }

                    StopProcess(process);
                    process.Dispose();

                    // Another process may have taken the port between picking and binding it.
                    bool portTaken = Log.Contains("Address already in use", StringComparison.Ordinal);
                    if (!(pickPort && portTaken && attempt < BindAttempts))
                    {
                        throw new InvalidOperationException(
                            $"mosquitto did not start on 127.0.0.1:{Port}: {failure}.{Environment.NewLine}Config:{Environment.NewLine}"
                            + File.ReadAllText(ConfigFile) + $"{Environment.NewLine}Log:{Environment.NewLine}{Log}");
                    }
                }
            }
        }

        /// <summary>
        /// Stops mosquitto gracefully (it saves its persistence database, so queued messages of
        /// persistent sessions survive) and waits for it to exit. Stopping a stopped broker does nothing.
        /// </summary>
        public void Stop()
        {
            lock (_lock)
            {
                if (_process == null)
                {
                    return;
                }

                StopProcess(_process);
                _process.Dispose();
                _process = null;
            }
        }

        /// <summary>
        /// Kills mosquitto with SIGKILL, as a power cut or a crash would: no clean exit, only
        /// what it had already saved of its persistence survives. Killing a stopped broker does nothing.
        /// </summary>
        public void Kill()
        {
            lock (_lock)
            {
                if (_process == null)
                {
                    return;
                }

                if (!_process.HasExited)
                {
                    _process.Kill();
                    _process.WaitForExit();
                }

                AppendLog($"[MosquittoBroker] pid {_process.Id} killed");
                _process.Dispose();
                _process = null;
            }
        }

        /// <summary><see cref="Stop"/>, then <see cref="Start"/> on the same port.</summary>
        public void Restart()
        {
            Stop();
            Start();
        }

        /// <summary>Stops the broker and deletes its folder.</summary>
        public void Dispose()
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                Stop();
                _disposed = true;
            }

            _ownedCertificates?.Dispose();
            try
            {
                Directory.Delete(_workDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Left behind in the temporary folder; nothing depends on it.
            }
        }

        private void WriteConfig()
        {
            var config = new StringBuilder();
            config.AppendLine("# Generated by NanoSecurity.Testing.MosquittoBroker");

            // Started as root, mosquitto drops to the "mosquitto" user, which cannot read files in
            // the test's folders; keep root (testing-notes.md). Without root the line is not needed.
            if (!OperatingSystem.IsWindows() && PosixProcess.IsRoot())
            {
                config.AppendLine("user root");
            }

            config.AppendLine($"listener {Port} 127.0.0.1");
            if (_options.RefuseEveryone)
            {
                string passwords = Path.Combine(_workDirectory, "passwords");
                File.WriteAllText(passwords, string.Empty);
                config.AppendLine("allow_anonymous false");
                config.AppendLine($"password_file {passwords}");
            }
            else
            {
                config.AppendLine("allow_anonymous true");
            }
            if (UseTls && Certificates != null)
            {
                config.AppendLine($"cafile {Certificates.CaCertificateFile}");
                config.AppendLine($"certfile {Certificates.ServerCertificateFile}");
                config.AppendLine($"keyfile {Certificates.ServerKeyFile}");
            }

            // Persistent sessions and their queued QoS 1 messages are saved on exit and reloaded on start.
            config.AppendLine("persistence true");
            config.AppendLine($"persistence_location {_workDirectory}{Path.DirectorySeparatorChar}");
            config.AppendLine("persistence_file mosquitto.db");

            // Saved after every change, so that a SIGKILL (Kill) loses no message it acknowledged
            // once the save is done; mosquitto's default is every 30 minutes.
            config.AppendLine("autosave_interval 1");
            config.AppendLine("autosave_on_changes true");
            config.AppendLine("set_tcp_nodelay true");
            config.AppendLine("log_dest stderr");
            config.AppendLine("log_type all");
            config.AppendLine("connection_messages true");
            config.AppendLine("log_timestamp true");
            config.AppendLine("log_timestamp_format %H:%M:%S");
            File.WriteAllText(ConfigFile, config.ToString());
        }

        private Process StartProcess()
        {
            var start = new ProcessStartInfo(_executable)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = false,
                WorkingDirectory = _workDirectory,
            };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(ConfigFile);

            var process = new Process { StartInfo = start };
            process.OutputDataReceived += (sender, e) => AppendLog(e.Data);
            process.ErrorDataReceived += (sender, e) => AppendLog(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            AppendLog($"[MosquittoBroker] started pid {process.Id} on 127.0.0.1:{Port}{(UseTls ? " (TLS)" : string.Empty)}");
            return process;
        }

        private string? WaitUntilListening(Process process)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < _options.StartTimeout)
            {
                if (process.HasExited)
                {
                    // Let the log readers drain what it printed before exiting.
                    process.WaitForExit();
                    return $"it exited with code {process.ExitCode}";
                }

                if (LoopbackPorts.Accepts(Port))
                {
                    return null;
                }

                Thread.Sleep(25);
            }

            return $"the port did not accept connections within {_options.StartTimeout.TotalSeconds:0.#} s";
        }

        private void StopProcess(Process process)
        {
            if (process.HasExited)
            {
                return;
            }

            // SIGTERM, not a kill: mosquitto writes its persistence database on a clean exit.
            bool signalled = !OperatingSystem.IsWindows() && PosixProcess.Terminate(process.Id);
            if (!signalled || !process.WaitForExit(5000))
            {
                AppendLog($"[MosquittoBroker] pid {process.Id} did not exit on SIGTERM; killing it");
                process.Kill();
            }

            process.WaitForExit();
            AppendLog($"[MosquittoBroker] pid {process.Id} exited with code {process.ExitCode}");
        }

        private void AppendLog(string? line)
        {
            if (line == null)
            {
                return;
            }

            lock (_log)
            {
                _log.Enqueue(line);
                while (_log.Count > MaxLogLines)
                {
                    _log.Dequeue();
                }
            }
        }

        private void ThrowIfDisposed()
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(MosquittoBroker));
            }
        }
    }
}
