#!/usr/bin/env python3
# A second, independent decoder for KEY/DELTA frames and serial framing, written in Python from
# protocol/SPEC.md sections 4 and 7 alone, as a check that the spec is complete enough for another
# language. Run: python3 tests/protocol/independent_decoder.py  (prints "ok N bad 0"; exit 1 on a
# mismatch with protocol/vectors). Not part of the vitest suite, so the suite needs no Python.
import json, os, sys, zlib
VEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'protocol', 'vectors') + os.sep
def s24(v): v &= 0xFFFFFF; return v - 0x1000000 if v & 0x800000 else v
def u24(b, o): return b[o] | b[o+1] << 8 | b[o+2] << 16
class Dec:
    def __init__(s): s.E=None; s.chain=False; s.lastkey=0; s.p=[0]*4; s.q=[0]*4; s.t=None; s.traw=None
    def block(s, f, at, allow8):
        mode=f[at]; w=mode&31
        if w<2 or w>24: return None
        if not allow8 and mode&0x80: return None
        F=bool(mode&0x40); body=len(f)-at-1; per=w+2 if F else w
        n=(2*body)//per
        if n<1 or -(-n*per//2)!=body: return None
        flags=list(f[at+1:at+1+n]) if F else [0]*n
        bits=f[at+1+(n if F else 0):]
        stream=int.from_bytes(bits,'little')
        tot=4*n*w
        if stream>>tot: return None
        res=[]
        for j in range(4*n):
            r=(stream>>(j*w))&((1<<w)-1)
            if r&(1<<(w-1)): r-=1<<w
            res.append(r)
        return n,bool(mode&0x20),flags,res
    def recon(s,n,second,res):
        out=[]
        for k in range(n):
            row=[]
            for c in range(4):
                pred=2*s.p[c]-s.q[c] if second else s.p[c]
                x=s24(pred+res[4*k+c]); s.q[c]=s.p[c]; s.p[c]=x; row.append(x)
            out.append(row)
        return out
    def push(s,f):
        if len(f)==0: return 'empty'
        if f[0]>>4!=1: s.chain=False; return 'unsupported-major'
        k=f[0]&15
        if k==0:
            if len(f)<20: return 'truncated'
            blk=None
            if len(f)>20:
                blk=s.block(f,20,False)
                if blk is None: return 'malformed'
            raw=u24(f,1); traw=u24(f,4); fl=f[7]; start=bool(fl&0x40)
            if s.E is None or start: first=raw; gap=0
            else:
                d=s24(raw-(s.E%(1<<24)))
                if d<0: return 'duplicate'
                first=s.E+d; gap=d
            if s.t is None or start: s.t=traw
            else: s.t=s.t+((traw-s.traw)%(1<<24))
            s.traw=traw
            key=[s24(u24(f,8+3*c)) for c in range(4)]
            s.p=key[:]; s.q=key[:]
            rows=[key]; flags=[fl]
            if blk: n,sec,bf,res=blk; rows+=s.recon(n,sec,res); flags+=bf
            s.chain=True; s.lastkey=first; s.E=first+len(rows)
            return dict(firstIndex=first,count=len(rows),counts=sum(rows,[]),flags=flags,deviceTimeMs=s.t,key=True,streamStart=start,gapBefore=gap)
        if k==1:
            if len(f)<4: s.chain=False; return 'truncated'
            blk=s.block(f,2,True)
            if blk is None: s.chain=False; return 'malformed'
            if not s.chain: return 'chain-broken'
            low9=f[1]|((f[2]&0x80)<<1)
            if low9!=s.E%512: s.chain=False; return 'index-mismatch'
            n,sec,bf,res=blk
            if s.E+n-s.lastkey>128: s.chain=False; return 'key-overdue'
            rows=s.recon(n,sec,res); first=s.E; s.E+=n
            return dict(firstIndex=first,count=n,counts=sum(rows,[]),flags=bf,deviceTimeMs=None,key=False,streamStart=False,gapBefore=0)
        return 'unknown-kind'
def cobs_decode(b):
    out=bytearray(); i=0
    while i<len(b):
        c=b[i]
        if c==0 or i+c>len(b): return None
        out+=b[i+1:i+c]; i+=c
        if c<0xFF and i<len(b): out.append(0)
    return bytes(out)
ok=0; bad=0
V=json.load(open(VEC + 'sample-frames.json'))
for v in V['vectors']:
    d=Dec()
    for h,e in zip(v['frames'],v['expect']):
        r=d.push(bytes.fromhex(h))
        want=e.get('error') or e['block']
        if r!=want: bad+=1; print('MISMATCH',v['name'],h,r,want)
        else: ok+=1
S=json.load(open(VEC + 'serial.json'))
for v in S['vectors']:
    stream=bytes.fromhex(v['streamHex']); msgs=[]
    for fr in stream.split(b'\x00'):
        if not fr: continue
        body=cobs_decode(fr)
        if body is None or len(body)<5: continue
        m,crc=body[:-4],int.from_bytes(body[-4:],'little')
        if zlib.crc32(m)==crc: msgs.append(m.hex())
    if msgs!=v['messages']: bad+=1; print('SERIAL MISMATCH',v['name'],msgs,v['messages'])
    else: ok+=1
print('ok', ok, 'bad', bad)
sys.exit(1 if bad else 0)
