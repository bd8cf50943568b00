using Xunit;

namespace ChatBot.Core.Tests;

/// <summary>Core holds the conversation model and the ports; the web framework and the AWS SDK stay in the host and adapters.</summary>
public sealed class BoundaryTests
{
    [Fact]
    public void Core_ReferencesNoWebFrameworkNoAwsSdkAndNoAdapter()
    {
        var references = typeof(ChatService).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(references, name => name.StartsWith("AWSSDK", StringComparison.Ordinal));
        Assert.DoesNotContain(references, name => name.StartsWith("ChatBot.", StringComparison.Ordinal));
    }
}
