// gns_peer.cpp -- the GNS side of tern's interop tests (WIRE.md §11.3), on GNS's
// *public* API. Extended from shared/spec/wire_probe/gns_peer.cpp so that it
// prints the same lines as tools/peer (tern-peer) and does the same things:
// the echo server, the client script with echo checks, bulk transfer (T15),
// close options (T11), idle runs (T9/T10) and a server that never accepts (T12).
//
// Build (the interop tests do it at test time, into the build directory):
//   g++ -std=c++17 -O1 -o gns_peer gns_peer.cpp -I$PREFIX/include -L$PREFIX/bin
//       -lGameNetworkingSockets -Wl,-rpath,$PREFIX/bin
//
//   gns_peer server PORT [options]      accept, echo every message back on the same
//                                       lane with the same reliability
//   gns_peer client HOST:PORT [options] connect, send the script, check the echoes, close
// Options: --lanes N --unencrypted 0..3 --timesince --loss PCT --mtu N --seconds S
//   --log 1..8 --bulk BYTES [--bulk-msg N] --rate BYTES_PER_SEC --reason N --debug TEXT
//   --linger --linger-wait S --tail BYTES --idle --msgs N --no-big --send-lanes L,L,..
//   --once --no-accept --welcome TEXT --close-after S --timeout-initial MS
//   --timeout-connected MS
// Output: one line per event, "KEYWORD t=SECONDS key=value ...", free text last.
#include <steam/isteamnetworkingutils.h>
#include <steam/steamnetworkingsockets.h>

#include <chrono>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Opts {
	bool server = false;
	int port = 0;
	const char *addr = nullptr;
	int lanes = 1;
	int unencrypted = -1;
	bool timesince = false;
	float loss = 0;
	int mtu = 0;
	double seconds = 10;
	int log = 0;
	long long bulk = 0;
	int bulkMsg = 16384;
	int rate = 0;
	int reason = 1000;
	const char *debug = "gns_peer done";
	bool linger = false;
	double lingerWait = 1.0;
	long tail = 0;
	bool idle = false;
	int msgs = 0;
	bool noBig = false;
	std::vector<int> sendLanes;
	bool once = false;
	bool noAccept = false;
	const char *welcome = nullptr;
	double closeAfter = -1;
	int timeoutInitial = -1;
	int timeoutConnected = -1;
};

struct Sent {
	int lane;
	bool rel;
	bool echoed;
	std::string data;
};

struct Conn {
	HSteamNetConnection h;
	bool connected = false, ended = false, closed = false;
	SteamNetworkingMicroseconds tConnected = 0;
	long long bulkBytes = 0, bulkMsgs = 0, bulkSeq = 0;
	SteamNetworkingMicroseconds bulkT0 = 0, bulkTLast = 0;
	bool bulkBad = false;
};

Opts o;
ISteamNetworkingSockets *g_net;
SteamNetworkingMicroseconds g_t0;
std::vector<Conn> g_conns;
std::vector<Sent> g_sent;
bool g_scriptSent = false, g_bulkEndSent = false, g_bulkDone = false;
long long g_bulkSent = 0, g_bulkSeq = 0;
SteamNetworkingMicroseconds g_bulkT0 = 0, g_allRelEchoed = 0, g_tProgress = 0;
long long g_echoRel = 0, g_echoUnrel = 0, g_echoBad = 0, g_orderBad = 0, g_laneMoved = 0;
long long g_recvMsgs = 0, g_recvBytes = 0;
volatile sig_atomic_t g_quit = 0;

SteamNetworkingMicroseconds Now() { return SteamNetworkingUtils()->GetLocalTimestamp(); }

void Line( const char *kw, const char *fmt, ... ) __attribute__( ( format( printf, 2, 3 ) ) );
void Line( const char *kw, const char *fmt, ... )
{
	printf( "%s t=%.3f ", kw, ( Now() - g_t0 ) * 1e-6 );
	va_list ap;
	va_start( ap, fmt );
	vprintf( fmt, ap );
	va_end( ap );
	putchar( '\n' );
	fflush( stdout );
}

void Log( ESteamNetworkingSocketsDebugOutputType, const char *msg )
{
	printf( "GNSLOG t=%.3f %s\n", ( Now() - g_t0 ) * 1e-6, msg );
	fflush( stdout );
}

uint32_t Fnv1a( const void *p, size_t n )
{
	const uint8_t *d = (const uint8_t *)p;
	uint32_t h = 2166136261u;
	for ( size_t i = 0; i < n; ++i )
		h = ( h ^ d[i] ) * 16777619u;
	return h;
}

std::string Printable( const void *p, size_t n )
{
	const uint8_t *d = (const uint8_t *)p;
	std::string s;
	for ( size_t i = 0; i < n && i < 40; ++i )
		s += ( d[i] >= 32 && d[i] < 127 ) ? (char)d[i] : '.';
	return s;
}

Conn *Find( HSteamNetConnection h )
{
	for ( Conn &c : g_conns )
		if ( c.h == h )
			return &c;
	return nullptr;
}

Conn *Add( HSteamNetConnection h )
{
	if ( Conn *c = Find( h ) )
		return c;
	g_conns.push_back( Conn() );
	g_conns.back().h = h;
	return &g_conns.back();
}

void ConfigureLanes( HSteamNetConnection c )
{
	if ( o.lanes <= 1 )
		return;
	std::vector<int> pri( o.lanes, 0 );
	std::vector<uint16> w( o.lanes, 1 );
	EResult r = g_net->ConfigureConnectionLanes( c, o.lanes, pri.data(), w.data() );
	Line( "LANES", "conn=%u n=%d result=%d", c, o.lanes, (int)r );
}

bool SendOn( HSteamNetConnection c, int lane, bool rel, const void *data, uint32 size, int64 *num )
{
	SteamNetworkingMessage_t *m = SteamNetworkingUtils()->AllocateMessage( (int)size );
	if ( size )
		memcpy( m->m_pData, data, size );
	m->m_conn = c;
	m->m_idxLane = (uint16)lane;
	m->m_nFlags = rel ? k_nSteamNetworkingSend_Reliable : k_nSteamNetworkingSend_Unreliable;
	int64 res = 0;
	g_net->SendMessages( 1, &m, &res, true );
	if ( num )
		*num = res;
	return res > 0;
}

void ReceiveConn( Conn &c );

void OnStatus( SteamNetConnectionStatusChangedCallback_t *info )
{
	HSteamNetConnection h = info->m_hConn;
	const SteamNetConnectionInfo_t &in = info->m_info;
	// What arrived before the peer's close is read first, as an application
	// that wants all of it does: the last data and the close can come in the
	// same poll (a lingering peer closes as soon as its data is acked).
	if ( in.m_eState == k_ESteamNetworkingConnectionState_ClosedByPeer ||
		 in.m_eState == k_ESteamNetworkingConnectionState_ProblemDetectedLocally )
	{
		Conn *d = Find( h );
		if ( d && !d->closed )
			ReceiveConn( *d );
	}
	Line( "STATUS", "conn=%u old=%d new=%d end=%d debug=%s", h, (int)info->m_eOldState, (int)in.m_eState,
		in.m_eEndReason, in.m_szEndDebug );
	Conn *c = Find( h );
	switch ( in.m_eState )
	{
		case k_ESteamNetworkingConnectionState_Connecting:
			if ( in.m_hListenSocket == k_HSteamListenSocket_Invalid ||
				 info->m_eOldState != k_ESteamNetworkingConnectionState_None )
				break;
			Line( "INCOMING", "conn=%u accept=%d from=%s", h, !o.noAccept, in.m_szConnectionDescription );
			Add( h );
			if ( o.noAccept )
				break;
			ConfigureLanes( h );
			{
				EResult r = g_net->AcceptConnection( h );
				if ( r != k_EResultOK )
					Line( "ACCEPT_FAIL", "conn=%u result=%d", h, (int)r );
			}
			break;
		case k_ESteamNetworkingConnectionState_Connected:
			c = Add( h );
			c->connected = true;
			c->tConnected = Now();
			Line( "CONNECTED", "conn=%u unencrypted=%d remote=%s", h,
				( in.m_nFlags & k_nSteamNetworkConnectionInfoFlags_Unencrypted ) ? 1 : 0, in.m_szConnectionDescription );
			if ( o.server && o.welcome )
				g_net->SendMessageToConnection( h, o.welcome, (uint32)strlen( o.welcome ), k_nSteamNetworkingSend_Reliable, nullptr );
			break;
		case k_ESteamNetworkingConnectionState_ClosedByPeer:
		case k_ESteamNetworkingConnectionState_ProblemDetectedLocally:
			if ( c && !c->closed )
			{
				c->ended = c->closed = true;
				g_net->CloseConnection( h, 0, nullptr, false );
			}
			break;
		case k_ESteamNetworkingConnectionState_None:
			if ( c )
				c->ended = true;
			break;
		default:
			break;
	}
}

void Record( HSteamNetConnection c, int lane, bool rel, const std::string &data )
{
	int64 num = 0;
	bool ok = SendOn( c, lane, rel, data.data(), (uint32)data.size(), &num );
	Line( "SENT", "lane=%d msgnum=%lld rel=%d size=%zu hash=%08x result=%d", lane, (long long)num, rel, data.size(),
		Fnv1a( data.data(), data.size() ), ok ? 1 : (int)-num );
	if ( ok )
		g_sent.push_back( Sent{ lane, rel, false, data } );
}

std::string Pattern( size_t size, int lane, int idx, const std::string &head )
{
	std::string d( size, 'a' );
	for ( size_t i = 0; i < size; ++i )
		d[i] = (char)( 'a' + ( i + (size_t)lane * 7 + (size_t)idx ) % 26 );
	d.replace( 0, std::min( head.size(), size ), head.substr( 0, std::min( head.size(), size ) ) );
	return d;
}

void SendScript( HSteamNetConnection c )
{
	std::vector<int> lanes = o.sendLanes;
	if ( lanes.empty() )
		for ( int l = 0; l < o.lanes; ++l )
			lanes.push_back( l );
	char buf[64];
	for ( int l : lanes )
	{
		snprintf( buf, sizeof buf, "rel %d", l );
		Record( c, l, true, buf );
		snprintf( buf, sizeof buf, "unrel %d", l );
		Record( c, l, false, buf );
		if ( !o.noBig )
		{
			snprintf( buf, sizeof buf, "big unrel %d ", l );
			Record( c, l, false, Pattern( 3000, l, 1, buf ) );
			snprintf( buf, sizeof buf, "big rel %d ", l );
			Record( c, l, true, Pattern( 20000, l, 2, buf ) );
		}
		for ( int k = 0; k < o.msgs; ++k )
		{
			snprintf( buf, sizeof buf, "rel %d #%d", l, k );
			Record( c, l, true, buf );
			snprintf( buf, sizeof buf, "unrel %d #%d", l, k );
			Record( c, l, false, buf );
		}
	}
	if ( o.sendLanes.empty() && !o.noBig )
		Record( c, 0, false, std::string() );
	g_net->FlushMessagesOnConnection( c );
}

void CheckEcho( const SteamNetworkingMessage_t *m )
{
	bool rel = ( m->m_nFlags & k_nSteamNetworkingSend_Reliable ) != 0;
	Sent *hit = nullptr;
	for ( int pass = 0; pass < 2 && !hit; ++pass )
		for ( Sent &s : g_sent )
		{
			if ( s.echoed || s.rel != rel || s.data.size() != (size_t)m->m_cbSize )
				continue;
			if ( pass == 0 && s.lane != m->m_idxLane )
				continue;
			if ( memcmp( s.data.data(), m->m_pData, s.data.size() ) != 0 )
				continue;
			hit = &s;
			break;
		}
	if ( !hit )
	{
		++g_echoBad;
		Line( "ECHO_BAD", "lane=%d msgnum=%lld rel=%d size=%d text=%s", m->m_idxLane, (long long)m->m_nMessageNumber,
			rel, m->m_cbSize, Printable( m->m_pData, m->m_cbSize ).c_str() );
		return;
	}
	if ( hit->lane != m->m_idxLane )
		++g_laneMoved;
	if ( rel )
	{
		for ( Sent *s = g_sent.data(); s < hit; ++s )
			if ( !s->echoed && s->rel && s->lane == hit->lane )
			{
				++g_orderBad;
				Line( "ORDER_BAD", "lane=%d msgnum=%lld", m->m_idxLane, (long long)m->m_nMessageNumber );
				break;
			}
		++g_echoRel;
	}
	else
		++g_echoUnrel;
	hit->echoed = true;
}

bool AllEchoed( bool rel )
{
	for ( const Sent &s : g_sent )
		if ( s.rel == rel && !s.echoed )
			return false;
	return true;
}

void Put64( uint8_t *d, uint64_t v )
{
	for ( int i = 0; i < 8; ++i )
		d[i] = (uint8_t)( v >> ( 8 * i ) );
}

uint64_t Get64( const uint8_t *d )
{
	uint64_t v = 0;
	for ( int i = 0; i < 8; ++i )
		v |= (uint64_t)d[i] << ( 8 * i );
	return v;
}

// Bulk messages: "BULK", u64le sequence number, then byte i = (seq + i) & 255.
void BulkPump( HSteamNetConnection c )
{
	static std::vector<uint8_t> buf;
	buf.resize( o.bulkMsg );
	if ( !g_bulkT0 )
		g_bulkT0 = Now();
	while ( g_bulkSent < o.bulk )
	{
		long long left = o.bulk - g_bulkSent;
		uint32 n = left < o.bulkMsg ? (uint32)left : (uint32)o.bulkMsg;
		if ( n < 12 )
			n = 12;
		memcpy( buf.data(), "BULK", 4 );
		Put64( buf.data() + 4, (uint64_t)g_bulkSeq );
		for ( uint32 i = 12; i < n; ++i )
			buf[i] = (uint8_t)( g_bulkSeq + i );
		EResult r = g_net->SendMessageToConnection( c, buf.data(), n, k_nSteamNetworkingSend_Reliable, nullptr );
		if ( r == k_EResultLimitExceeded )
			return;
		if ( r != k_EResultOK )
		{
			Line( "BULK_SEND_FAIL", "result=%d", (int)r );
			g_bulkSent = o.bulk;
			break;
		}
		g_bulkSent += n;
		++g_bulkSeq;
	}
	if ( !g_bulkEndSent )
	{
		uint8_t end[7 + 16];
		memcpy( end, "BULKEND", 7 );
		Put64( end + 7, (uint64_t)g_bulkSent );
		Put64( end + 15, (uint64_t)g_bulkSeq );
		if ( g_net->SendMessageToConnection( c, end, sizeof end, k_nSteamNetworkingSend_Reliable, nullptr ) == k_EResultOK )
		{
			g_bulkEndSent = true;
			Line( "BULK_QUEUED", "bytes=%lld msgs=%lld secs=%.3f", g_bulkSent, g_bulkSeq, ( Now() - g_bulkT0 ) * 1e-6 );
		}
	}
}

bool BulkSink( Conn &c, const SteamNetworkingMessage_t *m )
{
	const uint8_t *d = (const uint8_t *)m->m_pData;
	if ( m->m_cbSize >= 12 && !memcmp( d, "BULK", 4 ) && memcmp( d, "BULKEND", 7 ) )
	{
		if ( !c.bulkT0 )
			c.bulkT0 = Now();
		uint64_t seq = Get64( d + 4 );
		bool ok = seq == (uint64_t)c.bulkSeq && ( m->m_nFlags & k_nSteamNetworkingSend_Reliable );
		for ( int i = 12; ok && i < m->m_cbSize; ++i )
			ok = d[i] == (uint8_t)( seq + (uint64_t)i );
		if ( !ok && !c.bulkBad )
			Line( "BULK_BAD", "conn=%u seq=%llu expected=%lld", c.h, (unsigned long long)seq, c.bulkSeq );
		if ( !ok )
			c.bulkBad = true;
		c.bulkSeq = (long long)seq + 1;
		c.bulkBytes += m->m_cbSize;
		++c.bulkMsgs;
		c.bulkTLast = Now();
		return true;
	}
	if ( m->m_cbSize == 7 + 16 && !memcmp( d, "BULKEND", 7 ) )
	{
		long long want = (long long)Get64( d + 7 ), msgs = (long long)Get64( d + 15 );
		double sec = c.bulkT0 ? ( c.bulkTLast - c.bulkT0 ) * 1e-6 : 0;
		bool ok = !c.bulkBad && want == c.bulkBytes && msgs == c.bulkMsgs;
		Line( "BULK_DONE", "conn=%u bytes=%lld msgs=%lld secs=%.3f rate=%.0f ok=%d", c.h, c.bulkBytes, c.bulkMsgs, sec,
			sec > 0 ? c.bulkBytes / sec : 0.0, ok );
		SendOn( c.h, 0, true, d, (uint32)m->m_cbSize, nullptr );
		return true;
	}
	return false;
}

void PrintDetail( HSteamNetConnection h )
{
	char buf[8192];
	if ( g_net->GetDetailedConnectionStatus( h, buf, sizeof buf ) != 0 )
		return;
	char *save = nullptr;
	for ( char *l = strtok_r( buf, "\n", &save ); l; l = strtok_r( nullptr, "\n", &save ) )
		Line( "DETAIL", "conn=%u text=%s", h, l );
}

void ReceiveAll()
{
	for ( size_t i = 0; i < g_conns.size(); ++i )
	{
		if ( !g_conns[i].closed )
			ReceiveConn( g_conns[i] );
	}
}

void ReceiveConn( Conn &c )
{
	{
		SteamNetworkingMessage_t *msgs[64];
		int n;
		while ( ( n = g_net->ReceiveMessagesOnConnection( c.h, msgs, 64 ) ) > 0 )
		{
			for ( int k = 0; k < n; ++k )
			{
				SteamNetworkingMessage_t *m = msgs[k];
				bool rel = ( m->m_nFlags & k_nSteamNetworkingSend_Reliable ) != 0;
				++g_recvMsgs;
				g_recvBytes += m->m_cbSize;
				if ( o.server && BulkSink( c, m ) )
				{
					m->Release();
					continue;
				}
				if ( !o.server && m->m_cbSize == 7 + 16 && !memcmp( m->m_pData, "BULKEND", 7 ) )
				{
					g_bulkDone = true;
					double s = ( Now() - g_bulkT0 ) * 1e-6;
					Line( "BULK_SENT", "bytes=%lld secs=%.3f rate=%.0f", g_bulkSent, s, g_bulkSent / s );
					m->Release();
					continue;
				}
				Line( "RECV", "conn=%u lane=%d msgnum=%lld rel=%d size=%d hash=%08x text=%s", c.h, m->m_idxLane,
					(long long)m->m_nMessageNumber, rel, m->m_cbSize, Fnv1a( m->m_pData, m->m_cbSize ),
					Printable( m->m_pData, m->m_cbSize ).c_str() );
				if ( o.server )
				{
					int lane = m->m_idxLane < o.lanes ? m->m_idxLane : 0;
					int64 num = 0;
					if ( !SendOn( c.h, lane, rel, m->m_pData, (uint32)m->m_cbSize, &num ) )
						Line( "ECHO_FAIL", "conn=%u lane=%d result=%lld", c.h, lane, (long long)-num );
				}
				else
					CheckEcho( m );
				m->Release();
			}
		}
	}
}

void CloseConn( Conn &c )
{
	if ( o.tail > 0 )
	{
		std::string d = Pattern( (size_t)o.tail, 0, 3, "tail " );
		EResult r = g_net->SendMessageToConnection( c.h, d.data(), (uint32)d.size(), k_nSteamNetworkingSend_Reliable, nullptr );
		Line( "SENT", "lane=0 msgnum=0 rel=1 size=%ld hash=%08x result=%d tail=1", o.tail, Fnv1a( d.data(), d.size() ), (int)r );
	}
	PrintDetail( c.h );
	bool r = g_net->CloseConnection( c.h, o.reason, o.debug, o.linger );
	Line( "CLOSE", "conn=%u reason=%d linger=%d result=%d debug=%s", c.h, o.reason, o.linger, r ? 1 : 0, o.debug );
	c.closed = c.ended = true;
}

bool ClientDone( Conn &c )
{
	if ( c.ended )
		return true;
	if ( !c.connected || o.idle )
		return false;
	if ( o.bulk )
		return g_bulkDone;
	if ( !g_scriptSent || !AllEchoed( true ) )
		return false;
	if ( !g_allRelEchoed )
		g_allRelEchoed = Now();
	return AllEchoed( false ) || Now() - g_allRelEchoed > 500000;
}

void PumpFor( double s )
{
	auto end = std::chrono::steady_clock::now() + std::chrono::microseconds( (long long)( s * 1e6 ) );
	while ( std::chrono::steady_clock::now() < end )
	{
		g_net->RunCallbacks();
		std::this_thread::sleep_for( std::chrono::milliseconds( 5 ) );
	}
}

void Usage()
{
	fprintf( stderr, "usage: gns_peer server PORT | client HOST:PORT [options] (see the file header)\n" );
	exit( 2 );
}

} // namespace

int main( int argc, char **argv )
{
	if ( argc < 3 )
		Usage();
	o.server = !strcmp( argv[1], "server" );
	if ( !o.server && strcmp( argv[1], "client" ) )
		Usage();
	if ( o.server )
		o.port = atoi( argv[2] );
	else
		o.addr = argv[2];
	for ( int i = 3; i < argc; ++i )
	{
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
		auto arg = [&]( const char *name ) { return !strcmp( a, name ) && v && ++i; };
		if ( arg( "--lanes" ) ) o.lanes = atoi( v );
		else if ( arg( "--unencrypted" ) ) o.unencrypted = atoi( v );
		else if ( arg( "--loss" ) ) o.loss = (float)atof( v );
		else if ( arg( "--mtu" ) ) o.mtu = atoi( v );
		else if ( arg( "--seconds" ) ) o.seconds = atof( v );
		else if ( arg( "--log" ) ) o.log = atoi( v );
		else if ( arg( "--bulk" ) ) o.bulk = atoll( v );
		else if ( arg( "--bulk-msg" ) ) o.bulkMsg = atoi( v );
		else if ( arg( "--rate" ) ) o.rate = atoi( v );
		else if ( arg( "--reason" ) ) o.reason = atoi( v );
		else if ( arg( "--debug" ) ) o.debug = v;
		else if ( arg( "--linger-wait" ) ) o.lingerWait = atof( v );
		else if ( arg( "--tail" ) ) o.tail = atol( v );
		else if ( arg( "--msgs" ) ) o.msgs = atoi( v );
		else if ( arg( "--welcome" ) ) o.welcome = v;
		else if ( arg( "--close-after" ) ) o.closeAfter = atof( v );
		else if ( arg( "--timeout-initial" ) ) o.timeoutInitial = atoi( v );
		else if ( arg( "--timeout-connected" ) ) o.timeoutConnected = atoi( v );
		else if ( arg( "--send-lanes" ) )
		{
			std::string s( v );
			size_t p = 0;
			while ( p <= s.size() )
			{
				size_t q = s.find( ',', p );
				if ( q == std::string::npos )
					q = s.size();
				o.sendLanes.push_back( atoi( s.substr( p, q - p ).c_str() ) );
				p = q + 1;
			}
		}
		else if ( !strcmp( a, "--timesince" ) ) o.timesince = true;
		else if ( !strcmp( a, "--linger" ) ) o.linger = true;
		else if ( !strcmp( a, "--idle" ) ) o.idle = true;
		else if ( !strcmp( a, "--no-big" ) ) o.noBig = true;
		else if ( !strcmp( a, "--once" ) ) o.once = true;
		else if ( !strcmp( a, "--no-accept" ) ) o.noAccept = true;
		else
			Usage();
	}
	for ( int l : o.sendLanes )
		if ( l + 1 > o.lanes )
			o.lanes = l + 1;

	signal( SIGINT, []( int ) { g_quit = 1; } );
	signal( SIGTERM, []( int ) { g_quit = 1; } );

	SteamDatagramErrMsg err;
	if ( !GameNetworkingSockets_Init( nullptr, err ) )
	{
		fprintf( stderr, "init failed: %s\n", err );
		return 1;
	}
	g_t0 = Now();
	ISteamNetworkingUtils *u = SteamNetworkingUtils();
	u->SetDebugOutputFunction( k_ESteamNetworkingSocketsDebugOutputType_Msg, Log );
	u->SetGlobalCallback_SteamNetConnectionStatusChanged( OnStatus );
	if ( o.unencrypted >= 0 ) u->SetGlobalConfigValueInt32( k_ESteamNetworkingConfig_Unencrypted, o.unencrypted );
	if ( o.timesince ) u->SetGlobalConfigValueInt32( k_ESteamNetworkingConfig_SendTimeSincePreviousPacket, 1 );
	if ( o.loss > 0 )
	{
		u->SetGlobalConfigValueFloat( k_ESteamNetworkingConfig_FakePacketLoss_Send, o.loss );
		u->SetGlobalConfigValueFloat( k_ESteamNetworkingConfig_FakePacketLoss_Recv, o.loss );
	}
	if ( o.mtu ) u->SetGlobalConfigValueInt32( k_ESteamNetworkingConfig_MTU_PacketSize, o.mtu );
	if ( o.rate )
	{
		u->SetGlobalConfigValueInt32( k_ESteamNetworkingConfig_SendRateMin, o.rate );
		u->SetGlobalConfigValueInt32( k_ESteamNetworkingConfig_SendRateMax, o.rate );
	}
	if ( o.timeoutInitial >= 0 ) u->SetGlobalConfigValueInt32( k_ESteamNetworkingConfig_TimeoutInitial, o.timeoutInitial );
	if ( o.timeoutConnected >= 0 ) u->SetGlobalConfigValueInt32( k_ESteamNetworkingConfig_TimeoutConnected, o.timeoutConnected );
	if ( o.log )
	{
		u->SetDebugOutputFunction( k_ESteamNetworkingSocketsDebugOutputType_Everything, Log );
		u->SetGlobalConfigValueInt32( k_ESteamNetworkingConfig_LogLevel_PacketDecode, o.log );
		u->SetGlobalConfigValueInt32( k_ESteamNetworkingConfig_LogLevel_AckRTT, o.log );
		u->SetGlobalConfigValueInt32( k_ESteamNetworkingConfig_LogLevel_Message, o.log );
		u->SetGlobalConfigValueInt32( k_ESteamNetworkingConfig_LogLevel_PacketGaps, o.log );
	}
	g_net = SteamNetworkingSockets();

	HSteamListenSocket listen = k_HSteamListenSocket_Invalid;
	SteamNetworkingIPAddr addr;
	addr.Clear();
	if ( o.server )
	{
		addr.m_port = (uint16)o.port;
		listen = g_net->CreateListenSocketIP( addr, 0, nullptr );
		if ( listen == k_HSteamListenSocket_Invalid )
		{
			fprintf( stderr, "gns_peer: cannot listen on %d\n", o.port );
			return 1;
		}
		Line( "LISTEN", "port=%d", o.port );
	}
	else
	{
		if ( !addr.ParseString( o.addr ) )
		{
			fprintf( stderr, "gns_peer: bad address %s\n", o.addr );
			return 2;
		}
		HSteamNetConnection c = g_net->ConnectByIPAddress( addr, 0, nullptr );
		Add( c );
		ConfigureLanes( c );
		Line( "CONNECTING", "conn=%u to=%s", c, o.addr );
	}

	auto start = std::chrono::steady_clock::now();
	SteamNetworkingMicroseconds tEnded = 0;
	while ( !g_quit && std::chrono::duration<double>( std::chrono::steady_clock::now() - start ).count() < o.seconds )
	{
		g_net->RunCallbacks();
		ReceiveAll();
		if ( o.server )
		{
			for ( Conn &c : g_conns )
			{
				if ( o.closeAfter >= 0 && c.connected && !c.closed && Now() - c.tConnected >= (SteamNetworkingMicroseconds)( o.closeAfter * 1e6 ) )
					CloseConn( c );
				if ( c.ended && !tEnded )
					tEnded = Now();
			}
			if ( o.once && tEnded && Now() - tEnded > 300000 )
				break;
		}
		else
		{
			Conn &c = g_conns[0];
			if ( c.connected && !c.ended && !o.idle )
			{
				if ( o.bulk )
					BulkPump( c.h );
				else if ( !g_scriptSent )
				{
					g_scriptSent = true;
					SendScript( c.h );
				}
			}
			if ( ClientDone( c ) )
				break;
		}
		if ( Now() - g_tProgress >= 500000 )
		{
			g_tProgress = Now();
			for ( Conn &c : g_conns )
				if ( c.bulkT0 )
					Line( "BULK_PROGRESS", "conn=%u bytes=%lld", c.h, c.bulkBytes );
			if ( !o.server && o.bulk && g_bulkT0 )
				Line( "BULK_PROGRESS", "sent=%lld", g_bulkSent );
		}
		std::this_thread::sleep_for( std::chrono::milliseconds( o.bulk ? 1 : 5 ) );
	}
	ReceiveAll();
	for ( Conn &c : g_conns )
		if ( !c.closed && ( c.connected || !o.server ) )
			CloseConn( c );
	PumpFor( o.lingerWait );
	if ( !o.server )
		Line( "SUMMARY",
			"role=client sent=%zu echo_rel=%lld echo_unrel=%lld echo_bad=%lld order_bad=%lld lane_moved=%lld "
			"all_rel=%d all_unrel=%d recv=%lld",
			g_sent.size(), g_echoRel, g_echoUnrel, g_echoBad, g_orderBad, g_laneMoved, AllEchoed( true ),
			AllEchoed( false ), g_recvMsgs );
	else
		Line( "SUMMARY", "role=server conns=%zu recv=%lld bytes=%lld", g_conns.size(), g_recvMsgs, g_recvBytes );
	if ( listen != k_HSteamListenSocket_Invalid )
		g_net->CloseListenSocket( listen );
	GameNetworkingSockets_Kill();
	Line( "EXIT", "code=0" );
	return 0;
}
