namespace Ferry.Kube.Runtime;

/// <summary>A key handed to a worker by <see cref="WorkQueue{TKey}.GetAsync"/>; the worker must call
/// <see cref="WorkQueue{TKey}.Done"/> with it when finished.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <param name="Key">The key to process.</param>
public readonly record struct WorkItem<TKey>(TKey Key);
