using System.Collections;
using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using NanoSecurity.Testing;
using Xunit;

namespace NanoSecurity.Tests.Build
{
    /// <summary>
    /// The build tests' use of <see cref="IsolatedBuild"/>: the repository this test assembly was
    /// built from, its test configs, and builds that fail the test with their output.
    /// </summary>
    internal static class ProjectBuilder
    {
        private static readonly Lazy<string> Root = new Lazy<string>(() => IsolatedBuild.FindRepoRoot(AppContext.BaseDirectory));

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

        /// <summary>Copies what building SecurityModule needs into <paramref name="destination"/>; returns the copied project.</summary>
        internal static string CopySecurityModule(string destination) => IsolatedBuild.CopySecurityModule(RepoRoot, destination);

        /// <summary><c>dotnet build PROJECT --nologo -v q -nodeReuse:false ARGS</c>.</summary>
        internal static BuildResult Build(string project, params string[] arguments) => IsolatedBuild.Build(project, arguments);

        /// <summary>Like <see cref="Build"/>, and fails the test with the output unless it succeeded.</summary>
        internal static BuildResult BuildOrFail(string project, params string[] arguments)
        {
            BuildResult result = Build(project, arguments);
            Assert.True(result.Succeeded, "the nested build failed:\n" + result);
            return result;
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
