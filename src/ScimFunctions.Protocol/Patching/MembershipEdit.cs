namespace ScimFunctions.Protocol.Patching;

/// <summary>
/// The net effect of a PATCH on a group's members, which live outside the resource document.
/// Apply in this order: if <see cref="ClearAll"/>, delete every member; then add <see cref="Add"/> and
/// delete <see cref="Remove"/> (the two never overlap). Ids are compared case-sensitively.
/// Adding an existing member or removing a non-member is a no-op for the store, which alone knows
/// whether the membership actually changed.
/// </summary>
public sealed class MembershipEdit
{
    readonly List<string> _add = [];
    readonly HashSet<string> _addSet = new(StringComparer.Ordinal);
    readonly List<string> _remove = [];
    readonly HashSet<string> _removeSet = new(StringComparer.Ordinal);

    public bool ClearAll { get; private set; }

    /// <summary>Ids to add, distinct, in request order.</summary>
    public IReadOnlyList<string> Add => _add;

    /// <summary>Ids to remove, distinct, in request order.</summary>
    public IReadOnlyList<string> Remove => _remove;

    public bool IsEmpty => !ClearAll && _add.Count == 0 && _remove.Count == 0;

    public void ApplyClear()
    {
        ClearAll = true;
        _add.Clear();
        _addSet.Clear();
        _remove.Clear();
        _removeSet.Clear();
    }

    public void ApplyAdd(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (_removeSet.Remove(id)) _remove.Remove(id);
        if (_addSet.Add(id)) _add.Add(id);
    }

    public void ApplyRemove(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (_addSet.Remove(id)) _add.Remove(id);
        if (_removeSet.Add(id)) _remove.Add(id);
    }
}
