using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary>
/// RTNeural-style comments over the fused products: the gates as one block matrix times the stacked inputs, e.g.
/// <code>
/// // ┌ z_i ┐   ┌ W_ii  W_hi ┐         ┌ b_i ┐
/// // │ z_f │ = │ W_if  W_hf │ · ┌ x ┐ + │ b_f │
/// // │ z_g │   │ W_ig  W_hg │   └ h ┘   │ b_g │
/// // └ z_o ┘   └ W_io  W_ho ┘           └ b_o ┘
/// </code>
/// </summary>
internal static class BlockMatrix
{
    /// <summary>The comment lines for layer <paramref name="p"/>'s pre-activations.</summary>
    public static IEnumerable<string> Of(LayerPlan p)
    {
        string rows = $"W_ih [{F(p.GH)} × {F(p.In)}], W_hh [{F(p.GH)} × {F(p.R)}]{(p.Projected ? $", W_hr [{F(p.R)} × {F(p.H)}]" : "")}";
        switch (p.Layer.Kind)
        {
            case LayerKind.Dense:
                return [$"// z = W · x + b   (W [{F(p.H)} × {F(p.In)}])"];
            case LayerKind.Lstm:
            {
                string[] gates = ["i", "f", "g", "o"];
                return Render(
                    [gates.Select(g => "z_" + g).ToArray(), ["="], gates.Select(g => $"W_i{g}  W_h{g}").ToArray(), ["·"], ["x", "h"], ["+"], gates.Select(g => $"b_i{g} + b_h{g}").ToArray()],
                    $"   {rows}; gates i, f, g, o of {F(p.H)} rows each");
            }
            case LayerKind.Gru when p.ResetBefore:
            {
                string[] gates = ["r", "z"];
                return Render(
                    [gates.Select(g => "gi_" + g).ToArray(), ["="], gates.Select(g => "W_i" + g).ToArray(), ["· x +"], gates.Select(g => "b_i" + g).ToArray(), [",  "],
                     gates.Select(g => "gh_" + g).ToArray(), ["="], gates.Select(g => "W_h" + g).ToArray(), ["· h +"], gates.Select(g => "b_h" + g).ToArray()],
                    $"   {rows}; gates r, z, n of {F(p.H)} rows each")
                    .Concat([$"// gi_n = W_in · x + b_in,  gh_n = W_hn · (r ⊙ h) + b_hn   (reset before the product: n = tanh(gi_n + gh_n))"]);
            }
            case LayerKind.Gru:
            {
                string[] gates = ["r", "z", "n"];
                return Render(
                    [gates.Select(g => "gi_" + g).ToArray(), ["="], gates.Select(g => "W_i" + g).ToArray(), ["· x +"], gates.Select(g => "b_i" + g).ToArray(), [",  "],
                     gates.Select(g => "gh_" + g).ToArray(), ["="], gates.Select(g => "W_h" + g).ToArray(), ["· h +"], gates.Select(g => "b_h" + g).ToArray()],
                    $"   {rows}; gates r, z, n of {F(p.H)} rows each (gh apart: n = tanh(gi_n + r ⊙ gh_n))");
            }
            default:
                if (!p.UnitDelay)
                    return [$"// a = W_ih · x + (b_ih + b_hh) + W_skip · h(t−{F(p.Skip)})   (no W_hh: the skip connection replaces the unit delay; W_skip [{F(p.H)} × {F(p.H)}])"];
                if (p.Clockwork)
                    return [$"// a = [W_ih  W_hh] · [x; h] + (b_ih + b_hh)   ({rows}; W_hh block upper triangular: {F(p.Layer.ClockPeriods.Count)} groups of {F(p.Layer.ClockGroupSize)} units, periods {string.Join(", ", p.Layer.ClockPeriods)})"];
                return [$"// a = [W_ih  W_hh] · [x; h] + (b_ih + b_hh){(p.Skip > 0 ? $" + W_skip · h(t−{F(p.Skip)})" : "")}   ({rows}{(p.Skip > 0 ? $", W_skip [{F(p.H)} × {F(p.H)}]" : "")})"];
        }
    }

    /// <summary>Columns side by side, each bracketed when it has more than one row (single-row columns are operators),
    /// centred on the tallest; <paramref name="note"/> follows the middle row.</summary>
    private static IEnumerable<string> Render(string[][] columns, string note)
    {
        int height = columns.Max(c => c.Length), middle = (height - 1) / 2;
        var lines = Enumerable.Range(0, height).Select(_ => new StringBuilder("//")).ToArray();
        foreach (string[] column in columns)
        {
            int width = column.Max(s => s.Length), top = (height - column.Length) / 2;
            for (int row = 0; row < height; row++)
            {
                int i = row - top;
                bool inside = i >= 0 && i < column.Length;
                if (column.Length == 1)
                    lines[row].Append(' ').Append(row == middle ? column[0] : new string(' ', column[0].Length));
                else if (!inside)
                    lines[row].Append(' ').Append(new string(' ', width + 4));
                else
                {
                    char open = i == 0 ? '┌' : i == column.Length - 1 ? '└' : '│', close = i == 0 ? '┐' : i == column.Length - 1 ? '┘' : '│';
                    lines[row].Append(' ').Append(open).Append(' ').Append(column[i].PadRight(width)).Append(' ').Append(close);
                }
            }
        }
        lines[middle].Append(note);
        return lines.Select(l => l.ToString().TrimEnd());
    }
}
