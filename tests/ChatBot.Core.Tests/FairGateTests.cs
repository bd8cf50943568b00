using ChatBot.Core.Usage;
using Xunit;

namespace ChatBot.Core.Tests;

public sealed class FairGateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WhenEverySlotIsBusy_TheNextGoesToTheUserWithFewerAnswersInFlight_NotToWhoeverCameFirst()
    {
        var gate = new FairGate(slots: 2);
        var flood1 = await gate.EnterAsync("flooder", Ct);
        var flood2 = await gate.EnterAsync("flooder", Ct);
        var flood3 = gate.EnterAsync("flooder", Ct).AsTask();
        var flood4 = gate.EnterAsync("flooder", Ct).AsTask();
        var victim = gate.EnterAsync("victim", Ct).AsTask();

        flood1.Dispose();

        Assert.Same(victim, await Task.WhenAny(victim, flood3, Task.Delay(TimeSpan.FromSeconds(5), Ct)));
        Assert.False(flood3.IsCompleted);
        (await victim).Dispose();
        (await flood3.WaitAsync(TimeSpan.FromSeconds(5), Ct)).Dispose();
        (await flood4.WaitAsync(TimeSpan.FromSeconds(5), Ct)).Dispose();
        flood2.Dispose();
        Assert.Equal(0, gate.Running);
    }

    [Fact]
    public async Task AWaiterThatIsCancelled_LeavesTheQueue_AndTakesNoSlot()
    {
        var gate = new FairGate(slots: 1);
        var held = await gate.EnterAsync("a", Ct);
        using var cancel = new CancellationTokenSource();
        var waiting = gate.EnterAsync("b", cancel.Token).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        held.Dispose();

        Assert.Equal(0, gate.Running);
        (await gate.EnterAsync("c", Ct)).Dispose();
    }
}
