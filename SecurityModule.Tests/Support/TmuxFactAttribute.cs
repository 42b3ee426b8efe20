using Xunit;

namespace NanoSecurity.Tests.Support
{
    /// <summary>
    /// A test that drives a terminal through tmux: skipped, saying so, when tmux is not installed,
    /// and run (so that it fails) under <c>CI=true</c> (see <see cref="RequiredTool"/>).
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    public sealed class TmuxTheoryAttribute : TheoryAttribute
    {
        public TmuxTheoryAttribute()
        {
            Skip = RequiredTool.SkipReason("tmux", Tmux.IsInstalled, "apt-get install -y tmux (as root), or bash .ci/run", RequiredTool.IsCi);
        }
    }
}
