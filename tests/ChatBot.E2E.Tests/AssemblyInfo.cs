[assembly: AssemblyFixture(typeof(ChatBot.E2E.Tests.E2EFixture))]
