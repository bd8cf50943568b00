using ChatBot.Infra;

// jsii starts Node; Node 20 is supported by this CDK, so its end-of-life banner is noise.
Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20");

try
{
    var (app, _) = ChatBotApp.Create();
    app.Synth();
    return 0;
}
catch (DeploymentSettingsException ex)
{
    // A bad context value is the user's to fix: say what and how, without a stack trace.
    Console.Error.WriteLine(ex.Message);
    return 1;
}
