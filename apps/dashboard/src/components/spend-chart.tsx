import { formatCredits } from '../lib/format';
import { TableHead } from './table-head';

/** Credits spent per day as bars (inline SVG), with the same numbers in a table for screen readers. */
export function SpendChart({ days }: { days: Array<{ day: string; credits: number }> }) {
  const max = Math.max(...days.map((d) => d.credits), 0);
  const width = 560;
  const height = 150;
  const barGap = 4;
  const barWidth = days.length ? (width - barGap * (days.length - 1)) / days.length : 0;
  const plot = height - 20;
  return (
    <div className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="spend-chart-title">
        <title id="spend-chart-title">Credits spent per day over the last {days.length} days; the most in a day was {formatCredits(max)}.</title>
        {days.map((d, i) => {
          const h = max > 0 ? Math.max(d.credits > 0 ? 2 : 0, (d.credits / max) * (plot - 10)) : 0;
          const x = i * (barWidth + barGap);
          return (
            <g key={d.day}>
              <rect className="bar" x={x} y={plot - h} width={barWidth} height={h} rx={2}>
                <title>{`${d.day}: ${formatCredits(d.credits)} credits`}</title>
              </rect>
              {(i === 0 || i === days.length - 1 || i % 7 === 0) && (
                <text className="axis" x={x + barWidth / 2} y={height - 4} textAnchor="middle">
                  {d.day.slice(5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      {/* Tables ignore height and overflow: the wrapper is what hides it. */}
      <div className="visually-hidden">
        <table>
          <caption>Credits spent per day</caption>
          <TableHead columns={['Day', 'Credits']} />
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <td>{d.day}</td>
                <td>{formatCredits(d.credits)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
