// Charts as plain SVG: no charting library, nothing inline to loosen the CSP for.

import type {Bucket, Interval, Stats} from '../api.js'
import {bucketLabel, bucketTitle, formatCount, plural} from '../format.js'

const W = 1000
const H = 160

export function BarChart({stats, caption}: {stats: Stats; caption?: string}) {
  const {buckets, interval, total} = stats
  if (buckets.length === 0) return null
  const max = Math.max(1, ...buckets.map((b) => b.count))
  const top = niceCeiling(max)
  const n = buckets.length
  const slot = W / n
  const gap = n > 120 ? 0 : n > 48 ? slot * 0.15 : slot * 0.25
  const peak = buckets.reduce((a, b) => (b.count > a.count ? b : a), buckets[0])
  const summary =
    `${plural(total, 'event')} from ${bucketTitle(buckets[0].start, interval)} to ${bucketTitle(buckets[n - 1].start, interval)}` +
    (peak.count > 0 ? `; most in one ${interval}: ${formatCount(peak.count)} at ${bucketTitle(peak.start, interval)}` : '')
  const mid = buckets[Math.floor(n / 2)]
  return (
    <figure class="chart">
      {caption && <figcaption class="sr-only">{caption}</figcaption>}
      <div class="chart-plot">
        <div class="chart-y" aria-hidden="true">
          <span>{formatCount(top)}</span>
          <span>{formatCount(top / 2)}</span>
          <span>0</span>
        </div>
        <svg class="chart-svg" viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={summary}>
          <line class="grid" x1="0" x2={W} y1="0.5" y2="0.5" />
          <line class="grid" x1="0" x2={W} y1={H / 2} y2={H / 2} />
          <line class="axis" x1="0" x2={W} y1={H - 0.5} y2={H - 0.5} />
          {buckets.map((b, i) => {
            if (b.count === 0) return null
            const h = Math.max(3, (b.count / top) * H)
            return (
              <rect key={b.start} class="bar" x={i * slot + gap / 2} width={Math.max(1, slot - gap)} y={H - h} height={h}>
                <title>{`${plural(b.count, 'event')} · ${bucketTitle(b.start, interval)}`}</title>
              </rect>
            )
          })}
        </svg>
      </div>
      <div class="chart-x" aria-hidden="true">
        <span>{bucketLabel(buckets[0].start, interval)}</span>
        <span class="chart-x-mid">{bucketLabel(mid.start, interval)}</span>
        <span>{bucketLabel(buckets[n - 1].start, interval)}</span>
      </div>
    </figure>
  )
}

function niceCeiling(max: number): number {
  if (max <= 4) return 4
  const magnitude = 10 ** Math.floor(Math.log10(max))
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= max) return step * magnitude
  }
  return 10 * magnitude
}

/** Adds neighbouring buckets together until there are at most `max`. */
function squeeze(buckets: Bucket[], max: number): Bucket[] {
  if (buckets.length <= max) return buckets
  const size = Math.ceil(buckets.length / max)
  const out: Bucket[] = []
  for (let i = 0; i < buckets.length; i += size) {
    const group = buckets.slice(i, i + size)
    out.push({start: group[0].start, count: group.reduce((sum, b) => sum + b.count, 0)})
  }
  return out
}

/** A small bar trend for one issue. */
export function Sparkline({buckets, interval}: {buckets: Bucket[]; interval: Interval}) {
  if (buckets.length === 0) return <span class="spark spark-empty" aria-hidden="true" />
  const bars = squeeze(buckets, 28)
  const max = Math.max(1, ...bars.map((b) => b.count))
  const total = bars.reduce((s, b) => s + b.count, 0)
  const step = 4
  return (
    <svg class="spark" viewBox={`0 0 ${bars.length * step} 24`} preserveAspectRatio="none" role="img" aria-label={`Trend: ${plural(total, 'event')} in this range (per ${interval} and coarser)`}>
      {bars.map((b, i) =>
        b.count > 0 ? (
          <rect key={i} class="spark-bar" x={i * step} width={step - 1} y={24 - Math.max(3, (b.count / max) * 24)} height={Math.max(3, (b.count / max) * 24)} />
        ) : (
          <rect key={i} class="spark-zero" x={i * step} width={step - 1} y={23} height={1} />
        ),
      )}
    </svg>
  )
}
