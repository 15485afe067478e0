#!/usr/bin/env python3
# A second, independent decoder for KEY/DELTA and KEY2/DELTA2 frames and serial framing, written in
# Python from protocol/SPEC.md sections 4 and 7 alone (updated for 1.2 from the 1.2 text), as a check that the spec is complete enough for another
# language. Run: python3 tests/protocol/independent_decoder.py  (prints "ok N bad 0"; exit 1 on a
# mismatch with protocol/vectors). Not part of the vitest suite, so the suite needs no Python.
import json, os, sys, zlib
VEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'protocol', 'vectors') + os.sep
def s24(v): v &= 0xFFFFFF; return v - 0x1000000 if v & 0x800000 else v
def s8(v): v &= 0xFF; return v - 0x100 if v & 0x80 else v
def u24(b, o): return b[o] | b[o+1] << 8 | b[o+2] << 16
class Dec:
    # 1.2 (SPEC 4.6 and 4.8): KEY/DELTA and KEY2/DELTA2, the order of checks of 4.6.
    def __init__(s):
        s.E=None; s.chain=False; s.lastkey=0; s.h=[[0]*4,[0]*4,[0]*4]
        s.t=None; s.traw=None; s.tkey=0; s.P=12.5; s.seq=None; s.parity=0
    def block(s, f, at, v2, allow8):
        mode=f[at]; w=mode&31
        if w<2 or w>24: return None
        if v2:
            F=bool(mode&0x80); order=((mode>>5)&3)+1
            if order>3: return None
        else:
            if not allow8 and mode&0x80: return None
            F=bool(mode&0x40); order=2 if mode&0x20 else 1
        body=len(f)-at-1; per=w+2 if F else w
        n=(2*body)//per
        if n<1 or -(-n*per//2)!=body: return None
        flags=list(f[at+1:at+1+n]) if F else [0]*n
        if any(x&(0xE0 if v2 else 0x60) for x in flags): return None
        stream=int.from_bytes(f[at+1+(n if F else 0):],'little')
        if stream>>(4*n*w): return None
        res=[]
        for j in range(4*n):
            r=(stream>>(j*w))&((1<<w)-1)
            if r&(1<<(w-1)): r-=1<<w
            res.append(r)
        return n,order,flags,res
    def recon(s,n,order,res):
        out=[]
        for k in range(n):
            row=[]
            for c in range(4):
                x1,x2,x3=s.h[0][c],s.h[1][c],s.h[2][c]
                pred=x1 if order==1 else 2*x1-x2 if order==2 else 3*x1-3*x2+x3
                x=s24(pred+res[4*k+c]); s.h[2][c]=x2; s.h[1][c]=x1; s.h[0][c]=x; row.append(x)
            out.append(row)
        return out
    def seqdist(s,q):
        if s.seq is None: return 0
        d=s8(q-s.seq); return -1 if d<=0 else d-1
    def push(s,f):
        if len(f)==0: return 'empty'
        if f[0]>>4!=1: return 'unsupported-major'
        k=f[0]&15
        if k in (0,5):
            v2=k==5
            if len(f)<20: return 'truncated'
            blk=None
            if len(f)>20:
                blk=s.block(f,20,v2,False)
                if blk is None: return 'malformed'
            fl=f[7]; start=bool(fl&0x40); lost=0; par=0
            if v2:
                par=fl&0x80; fl&=0x7F
                if s.E is not None and par!=s.parity: start=True
                lost=s.seqdist(f[1])
                if lost<0: return 'duplicate'
                raw=u24(f,2); traw=f[5]|f[6]<<8
            else:
                raw=u24(f,1); traw=u24(f,4)
            if s.E is None or start: first=raw; gap=0
            else:
                d=(raw-s.E)%(1<<24) if v2 else s24(raw-(s.E%(1<<24)))
                if d<0: return 'duplicate'
                first=s.E+d; gap=d
            if s.t is None or start: t=traw
            elif not v2: t=s.t+((traw-s.traw)%(1<<24))
            else:
                base=(traw-s.traw)%65536
                m=max(0,round(((first-s.tkey)*s.P-base)/65536))
                t=s.t+base+65536*m
                di=first-s.tkey
                if m==0 and 0<di<=128 and t>s.t: s.P=(t-s.t)/di
            s.t=t; s.traw=traw; s.tkey=first
            key=[s24(u24(f,8+3*c)) for c in range(4)]
            s.h=[key[:],key[:],key[:]]
            rows=[key]; flags=[fl]
            if blk: n,order,bf,res=blk; rows+=s.recon(n,order,res); flags+=bf
            if v2: s.seq=f[1]; s.parity=par
            s.chain=True; s.lastkey=first; s.E=first+len(rows)
            return dict(firstIndex=first,count=len(rows),counts=sum(rows,[]),flags=flags,deviceTimeMs=t,key=True,streamStart=start,gapBefore=gap,framesLost=lost)
        if k in (1,6):
            v2=k==6
            if len(f)<4: s.chain=False; return 'truncated'
            blk=s.block(f,2,v2,True)
            if blk is None: s.chain=False; return 'malformed'
            n,order,bf,res=blk
            if v2:
                lost=s.seqdist(f[1])
                if lost<0: return 'duplicate'
                if not s.chain: return 'chain-broken'
                if lost>0: s.chain=False; return 'frames-lost'
            else:
                if not s.chain: return 'chain-broken'
                low9=f[1]|((f[2]&0x80)<<1)
                if low9!=s.E%512: s.chain=False; return 'index-mismatch'
            if s.E+n-s.lastkey>128: s.chain=False; return 'key-overdue'
            rows=s.recon(n,order,res); first=s.E; s.E+=n
            if v2: s.seq=f[1]
            return dict(firstIndex=first,count=n,counts=sum(rows,[]),flags=bf,deviceTimeMs=None,key=False,streamStart=False,gapBefore=0,framesLost=0)
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
        if body is None or len(body)<5 or len(body)-4>256: continue
        m,crc=body[:-4],int.from_bytes(body[-4:],'little')
        if zlib.crc32(m)==crc: msgs.append(m.hex())
    if msgs!=v['messages']: bad+=1; print('SERIAL MISMATCH',v['name'],msgs,v['messages'])
    else: ok+=1
print('ok', ok, 'bad', bad)
sys.exit(1 if bad else 0)
