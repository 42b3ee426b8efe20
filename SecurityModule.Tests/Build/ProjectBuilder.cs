using System.Collections;
using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using Xunit;

namespace NanoSecurity.Tests.Build
{
    /// <summary>The outcome of one nested <c>dotnet</c> run.</summary>
    internal sealed class BuildResult
    {
        internal BuildResult(string commandLine, int exitCode, string output, TimeSpan elapsed)
        {
            CommandLine = commandLine;
            ExitCode = exitCode;
            Output = output;
            Elapsed = elapsed;
        }

        internal string CommandLine { get; }

        internal int ExitCode { get; }

        /// <summary>stdout and stderr, interleaved as they came.</summary>
        internal string Output { get; }

        internal TimeSpan Elapsed { get; }

        internal bool Succeeded => ExitCode == 0;

        public override string ToString()
        {
            return "$ " + CommandLine + "\nexit code " + ExitCode + " after " + Elapsed.TotalSeconds.ToString("0.0") + " s\n" + Output;
        }
    }

    /// <summary>
    /// Runs <c>dotnet build</c> in a child process, from inside <c>dotnet test</c>, on a copy of
    /// SecurityModule that lives outside the solution so the solution's bin/ and obj/ stay as
    /// they are.
    /// </summary>
    internal static class ProjectBuilder
    {
        internal static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

        private static readonly Lazy<string> Root = new Lazy<string>(FindRepoRoot);

        /// <summary>The folder that holds nanoSecurity.sln, found by walking up from the test assembly.</summary>
        internal static string RepoRoot => Root.Value;

        /// <summary>The SecurityModule.dll the tests run against: built from the repository's asc_port.config.</summary>
        internal static string LoadedSecurityModule => typeof(NanoSecurity.FlowDirection).Assembly.Location;

        /// <summary>A config file that is copied next to the test assembly.</summary>
        internal static string TestConfig(string name)
        {
            string path = Path.Combine(AppContext.BaseDirectory, "Configs", name);
            Assert.True(File.Exists(path), "missing test config " + path);
            return path;
        }

        private static string FindRepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "nanoSecurity.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("no nanoSecurity.sln above " + AppContext.BaseDirectory);
        }

        /// <summary>
        /// Copies what building SecurityModule needs (the project without its bin/ and obj/,
        /// build/, asc_port.config and the root files MSBuild and NuGet look up) into
        /// <paramref name="destination"/>, and returns the path of the copied project.
        /// </summary>
        internal static string CopySecurityModule(string destination)
        {
            string root = RepoRoot;
            Directory.CreateDirectory(destination);
            CopyDirectory(Path.Combine(root, "SecurityModule"), Path.Combine(destination, "SecurityModule"), topLevelSkip: new[] { "bin", "obj" });
            CopyDirectory(Path.Combine(root, "build"), Path.Combine(destination, "build"), topLevelSkip: new[] { "bin", "obj" });
            foreach (string file in Directory.EnumerateFiles(root))
            {
                string name = Path.GetFileName(file);
                if (name == "asc_port.config"
                    || name == "global.json"
                    || name.Equals("NuGet.config", StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith("Directory.Build.", StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith("Directory.Packages.", StringComparison.OrdinalIgnoreCase))
                {
                    File.Copy(file, Path.Combine(destination, name));
                }
            }

            return Path.Combine(destination, "SecurityModule", "SecurityModule.csproj");
        }

        private static void CopyDirectory(string source, string destination, string[] topLevelSkip)
        {
            Directory.CreateDirectory(destination);
            foreach (string file in Directory.EnumerateFiles(source))
            {
                File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
            }

            foreach (string dir in Directory.EnumerateDirectories(source))
            {
                string name = Path.GetFileName(dir);
                if (Array.IndexOf(topLevelSkip, name) < 0)
                {
                    CopyDirectory(dir, Path.Combine(destination, name), Array.Empty<string>());
                }
            }
        }

        /// <summary><c>dotnet build PROJECT --nologo -v q -nodeReuse:false ARGS</c>.</summary>
        internal static BuildResult Build(string project, params string[] arguments)
        {
            var all = new List<string> { "build", project, "--nologo", "-v", "q", "-nodeReuse:false" };
            all.AddRange(arguments);
            return RunDotnet(Path.GetDirectoryName(project), all);
        }

        /// <summary>Like <see cref="Build"/>, and fails the test with the output unless it succeeded.</summary>
        internal static BuildResult BuildOrFail(string project, params string[] arguments)
        {
            BuildResult result = Build(project, arguments);
            Assert.True(result.Succeeded, "the nested build failed:\n" + result);
            return result;
        }

        internal static BuildResult RunDotnet(string workingDirectory, IEnumerable<string> arguments)
        {
            // The test host runs under `dotnet test`, whose MSBuild left its own locations in
            // the environment; a nested dotnet must find its SDK by itself.
            string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet))
            {
                dotnet = "dotnet";
            }

            var start = new ProcessStartInfo(dotnet)
            {
                WorkingDirectory = workingDirectory,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                CreateNoWindow = true,
            };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
            {
                string name = (string)variable.Key;
                if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith("_MSBuild", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith("VSTEST_", StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith("TESTINGPLATFORM_", StringComparison.OrdinalIgnoreCase))
                {
                    start.Environment.Remove(name);
                }
            }

            start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
            start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";

            var output = new StringBuilder();
            var sync = new object();
            var stopwatch = Stopwatch.StartNew();
            using var process = new Process { StartInfo = start };
            DataReceivedEventHandler append = (_, e) =>
            {
                if (e.Data != null)
                {
                    lock (sync)
                    {
                        output.Append(e.Data).Append('\n');
                    }
                }
            };
            process.OutputDataReceived += append;
            process.ErrorDataReceived += append;
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            string commandLine = dotnet + " " + string.Join(" ", start.ArgumentList) + "   (in " + workingDirectory + ")";
            if (!process.WaitForExit((int)Timeout.TotalMilliseconds))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
                lock (sync)
                {
                    Assert.Fail("the nested build did not end within " + Timeout + ":\n$ " + commandLine + "\n" + output);
                }
            }

            // A build server the build left behind may hold the pipes open: the process has
            // ended, so give its remaining output a moment and go on without waiting for EOF.
            Task.WaitAll(new Task[] { Task.Run(() => process.WaitForExit()) }, TimeSpan.FromSeconds(10));
            stopwatch.Stop();
            lock (sync)
            {
                return new BuildResult(commandLine, process.ExitCode, output.ToString(), stopwatch.Elapsed);
            }
        }
    }

    /// <summary>What an assembly holds, read with System.Reflection.Metadata without loading it.</summary>
    internal static class AssemblyMetadata
    {
        internal sealed class Reference
        {
            internal string Name;
            internal Version Version;

            public override string ToString() => Name + " " + Version;
        }

        internal static IReadOnlyList<Reference> References(string path)
        {
            return Read(path, reader =>
            {
                var list = new List<Reference>();
                foreach (AssemblyReferenceHandle handle in reader.AssemblyReferences)
                {
                    AssemblyReference reference = reader.GetAssemblyReference(handle);
                    list.Add(new Reference { Name = reader.GetString(reference.Name), Version = reference.Version });
                }

                return list;
            });
        }

        /// <summary>Full names of the types the assembly defines (nested ones as Outer/Inner).</summary>
        internal static ISet<string> TypeDefinitions(string path)
        {
            return Read(path, reader =>
            {
                var set = new HashSet<string>(StringComparer.Ordinal);
                foreach (TypeDefinitionHandle handle in reader.TypeDefinitions)
                {
                    set.Add(FullName(reader, reader.GetTypeDefinition(handle)));
                }

                return (ISet<string>)set;
            });
        }

        /// <summary>For each type the assembly references, the scope it resolves to ("assembly:NAME", "module:NAME" or "this module").</summary>
        internal static IReadOnlyList<KeyValuePair<string, string>> TypeReferenceScopes(string path)
        {
            return Read(path, reader =>
            {
                var list = new List<KeyValuePair<string, string>>();
                foreach (TypeReferenceHandle handle in reader.TypeReferences)
                {
                    TypeReference type = reader.GetTypeReference(handle);
                    string name = reader.GetString(type.Namespace) + "." + reader.GetString(type.Name);
                    EntityHandle scope = type.ResolutionScope;
                    while (scope.Kind == HandleKind.TypeReference)
                    {
                        scope = reader.GetTypeReference((TypeReferenceHandle)scope).ResolutionScope;
                    }

                    string where;
                    switch (scope.Kind)
                    {
                        case HandleKind.AssemblyReference:
                            where = "assembly:" + reader.GetString(reader.GetAssemblyReference((AssemblyReferenceHandle)scope).Name);
                            break;
                        case HandleKind.ModuleReference:
                            where = "module:" + reader.GetString(reader.GetModuleReference((ModuleReferenceHandle)scope).Name);
                            break;
                        default:
                            where = "this module";
                            break;
                    }

                    list.Add(new KeyValuePair<string, string>(name, where));
                }

                return (IReadOnlyList<KeyValuePair<string, string>>)list;
            });
        }

        private static string FullName(MetadataReader reader, TypeDefinition type)
        {
            string name = reader.GetString(type.Name);
            TypeDefinitionHandle declaring = type.GetDeclaringType();
            if (!declaring.IsNil)
            {
                return FullName(reader, reader.GetTypeDefinition(declaring)) + "/" + name;
            }

            string ns = reader.GetString(type.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        private static T Read<T>(string path, Func<MetadataReader, T> read)
        {
            Assert.True(File.Exists(path), "no assembly at " + path);
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            return read(pe.GetMetadataReader());
        }
    }
}

namespace NanoSecurity.Tests.Build
{
    /// <summary>
    /// One copy of SecurityModule in a temporary folder, shared by the build test classes
    /// (which therefore run one after the other), with the minimal config built once. Each
    /// other build uses its own -c CONFIGURATION, so it has its own bin/ and obj/ folders
    /// in the copy and reuses the restore of the first one (--no-restore).
    /// </summary>
    public sealed class BuildSandbox : IDisposable
    {
        private readonly Lazy<BuildResult> _minimal;

        public BuildSandbox()
        {
            Root = Path.Combine(Path.GetTempPath(), "nanoSecurity-build-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Project = ProjectBuilder.CopySecurityModule(Root);
            MinimalConfig = ProjectBuilder.TestConfig("asc_port.minimal.config");

            // Restores too: every later build of the sandbox passes --no-restore.
            _minimal = new Lazy<BuildResult>(() => ProjectBuilder.Build(Project, "-c", "Minimal", "-p:AscPortConfig=" + MinimalConfig));
        }

        internal string Root { get; }

        internal string Project { get; }

        internal string MinimalConfig { get; }

        /// <summary>The build of the minimal config; fails the calling test if it failed.</summary>
        internal BuildResult Minimal
        {
            get
            {
                BuildResult result = _minimal.Value;
                Assert.True(result.Succeeded, "the build of the minimal config failed:\n" + result);
                return result;
            }
        }

        internal string MinimalDll => Dll("Minimal");

        internal string MinimalGeneratedSource => GeneratedSource("Minimal");

        internal string Dll(string configuration) => Path.Combine(Root, "SecurityModule", "bin", configuration, "netstandard2.0", "SecurityModule.dll");

        internal string GeneratedSource(string configuration) => Path.Combine(Root, "SecurityModule", "obj", configuration, "netstandard2.0", "AscPortConfig.g.cs");

        /// <summary>Writes a config file into the sandbox and returns its full path.</summary>
        internal string WriteConfig(string name, params string[] lines)
        {
            string path = Path.Combine(Root, "configs", name);
            Directory.CreateDirectory(Path.GetDirectoryName(path));
            File.WriteAllText(path, string.Join("\n", lines) + "\n");
            return path;
        }

        /// <summary>Builds the sandbox with <paramref name="config"/> into bin/CONFIGURATION and obj/CONFIGURATION.</summary>
        internal BuildResult Build(string configuration, string config)
        {
            _ = Minimal; // the restore every other build relies on
            return ProjectBuilder.Build(Project, "--no-restore", "-c", configuration, "-p:AscPortConfig=" + config);
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    [CollectionDefinition(Name)]
    public sealed class BuildSandboxCollection : ICollectionFixture<BuildSandbox>
    {
        public const string Name = "Nested dotnet builds";
    }
}
