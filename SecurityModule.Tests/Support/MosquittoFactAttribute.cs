using NanoSecurity.Testing;
using Xunit;

namespace NanoSecurity.Tests.Support
{
    /// <summary>
    /// A test that talks to a real mosquitto: skipped, saying so, when mosquitto is not installed,
    /// and run (so that it fails) under <c>CI=true</c> (see <see cref="RequiredTool"/>).
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    public sealed class MosquittoFactAttribute : FactAttribute
    {
        public MosquittoFactAttribute()
        {
            Skip = RequiredTool.SkipReason(
                "mosquitto", MosquittoBroker.IsInstalled, "apt-get install -y mosquitto (as root), or bash .ci/run", RequiredTool.IsCi);
        }
    }
}
