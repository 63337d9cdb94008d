set terminal pngcairo size 900,540 font 'sans,10'
set output 'bench/results/2026-11-25/rtt.png'
set grid
set key outside right top
set logscale x
set xlabel 'round trip (µs), 32 B reliable ping-pong'
set ylabel 'percentile'
set yrange [0:100]
set title 'RTT distribution (last pass)'
plot 'bench/results/2026-11-25/raw/rtt-tern.txt' using 2:1 with lines lw 2 title 'tern (service thread)', 'bench/results/2026-11-25/raw/rtt-tern-manual.txt' using 2:1 with lines lw 2 title 'tern (manual mode)', 'bench/results/2026-11-25/raw/rtt-enet.txt' using 2:1 with lines lw 2 title 'ENet', 'bench/results/2026-11-25/raw/rtt-gns.txt' using 2:1 with lines lw 2 title 'GNS (defaults)', 'bench/results/2026-11-25/raw/rtt-gnsapi-on-tern.txt' using 2:1 with lines lw 2 title 'GNS API on tern (compat lib)', 'bench/results/2026-11-25/raw/rtt-udp-plain-block.txt' using 2:1 with lines lw 2 title 'raw UDP send/recv, blocking', 'bench/results/2026-11-25/raw/rtt-udp-plain-poll.txt' using 2:1 with lines lw 2 title 'raw UDP send/recv, polling'
